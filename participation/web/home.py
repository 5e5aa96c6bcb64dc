"""What the home page shows about each part of the platform."""

from __future__ import annotations

from dataclasses import dataclass, field

from participation.i18n import _l


@dataclass
class HomeSection:
    key: str
    title: str
    description: str
    #: Endpoint of the section's list page, or None until it exists.
    endpoint: str | None = None
    items: list = field(default_factory=list)
    empty_message: str = ""


def home_sections() -> list[HomeSection]:
    """One section per domain, with what is open now (honestly empty if nothing)."""
    return [
        HomeSection(
            "hearings",
            _l("Public hearings on draft laws"),
            _l(
                "Government agencies publish draft laws section by section. Anyone may comment for at least 15 days, and the agency answers every comment in a public report."
            ),
            empty_message=_l("No hearing is open yet."),
        ),
        HomeSection(
            "initiatives",
            _l("Citizen initiatives"),
            _l(
                "Propose a law or a petition with co-authors and collect one signature per person. 10,000 signatures bring a bill to Parliament; 50,000 a constitutional amendment."
            ),
            empty_message=_l("No initiative is collecting signatures yet."),
        ),
        HomeSection(
            "budgets",
            _l("Participatory budgeting"),
            _l(
                "Residents propose projects for their district, officials check them, and residents vote within the budget. A fair rule picks the winners."
            ),
            empty_message=_l("No budget process is running yet."),
        ),
    ]
