"""Demo follows: a few citizens follow agencies, so the demo's events queue real emails.

Listed first in ``DEMO_MODULES`` so the follows exist before the other
domains' demo loaders publish their events.
"""

from __future__ import annotations

from participation.notifications import services

#: (citizen email, organisation slug, daily digest)
FOLLOWS = [
    ("somchai@demo.participation.example", "pcd", False),
    ("malee@demo.participation.example", "bangkok-bang-rak", True),
    ("anong@demo.participation.example", "pcd", False),
    ("john@demo.participation.example", "ocs", False),
]


def load(context: dict) -> None:
    for email, slug, digest in FOLLOWS:
        user = context["users"][email]
        services.follow(user, "organisation", context["organisations"][slug].id)
        if digest:
            services.set_preferences(user, digest=True, paused=False)
