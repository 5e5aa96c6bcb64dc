"""What the home page shows about each part of the platform."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from flask import current_app

from participation.i18n import _l


@dataclass
class HomeItem:
    title: str
    url: str
    meta: str = ""


@dataclass
class HomeSection:
    key: str
    title: str
    description: str
    #: Endpoint of the section's list page; the section links there once it exists.
    endpoint: str
    #: ``module:function`` returning up to a few HomeItems of what is open now.
    provider: str
    empty_message: str
    items: list[HomeItem] = field(default_factory=list)
    available: bool = False


SECTIONS = (
    (
        "hearings",
        _l("Public hearings on draft laws"),
        _l(
            "Government agencies publish draft laws section by section. Anyone may comment for at least 15 days, and the agency answers every comment in a public report."
        ),
        "hearings.index",
        "participation.hearings.queries:home_items",
        _l("No hearing is open yet."),
    ),
    (
        "initiatives",
        _l("Citizen initiatives"),
        _l(
            "Propose a law or a petition with co-authors and collect one signature per person. 10,000 signatures bring a bill to Parliament; 50,000 a constitutional amendment."
        ),
        "initiatives.index",
        "participation.initiatives.queries:home_items",
        _l("No initiative is collecting signatures yet."),
    ),
    (
        "budgets",
        _l("Participatory budgeting"),
        _l(
            "Residents propose projects for their district, officials check them, and residents vote within the budget. A fair rule picks the winners."
        ),
        "budgeting.index",
        "participation.budgeting.queries:home_items",
        _l("No budget process is running yet."),
    ),
)


def home_sections() -> list[HomeSection]:
    """One section per domain, with what is open now (honestly empty if nothing)."""
    sections = []
    for key, title, description, endpoint, provider, empty in SECTIONS:
        section = HomeSection(key, title, description, endpoint, provider, empty)
        if endpoint in current_app.view_functions:
            module, _, name = provider.partition(":")
            section.items = list(getattr(importlib.import_module(module), name)())
            section.available = True
        sections.append(section)
    return sections
