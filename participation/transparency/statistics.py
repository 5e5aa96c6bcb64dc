"""The registry of public statistics (no page yet: it comes when the domains land).

Each domain registers the figures it can compute honestly from its tables::

    statistics.register_statistic(
        "hearings.open",
        label=_l("Hearings open now"),
        compute=lambda now: db.session.scalar(select(func.count()).where(...)),
        group="hearings",
    )

``compute(now)`` returns a number from the database (never a cached or
invented one) in a constant number of queries. A statistics page and an API
endpoint will render :func:`compute_all` once there is something real to
show beyond the two platform-wide figures registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from participation import db
from participation.i18n import _l


@dataclass(frozen=True)
class Statistic:
    #: Stable dotted key, e.g. ``initiatives.signatures``; also the API field name.
    key: str
    label: object
    compute: Callable[[datetime], int | float]
    description: object = None
    #: Groups figures on the page (``platform``, ``hearings``, ``initiatives``, ...).
    group: str = "platform"
    order: int = 100


_registry: dict[str, Statistic] = {}


def register_statistic(
    key: str,
    *,
    label,
    compute: Callable[[datetime], int | float],
    description=None,
    group: str = "platform",
    order: int = 100,
) -> Statistic:
    """Register (or replace) one statistic."""
    statistic = Statistic(key, label, compute, description, group, order)
    _registry[key] = statistic
    return statistic


def unregister_statistic(key: str) -> None:
    _registry.pop(key, None)


def registered() -> list[Statistic]:
    return sorted(_registry.values(), key=lambda s: (s.group, s.order, s.key))


def compute_all(now: datetime | None = None) -> list[tuple[Statistic, int | float]]:
    """Every registered statistic with its current value, in display order."""
    now = now or db.utcnow()
    return [(statistic, statistic.compute(now)) for statistic in registered()]


def _public_events(_now: datetime) -> int:
    from participation.transparency.models import LedgerHead

    return db.session.scalar(select(LedgerHead.seq).where(LedgerHead.id == 1)) or 0


def _organisations(_now: datetime) -> int:
    from participation.accounts.models import Organisation

    return db.session.scalar(select(func.count()).select_from(Organisation)) or 0


register_statistic(
    "platform.public_events",
    label=_l("Public events recorded in the ledger"),
    compute=_public_events,
    order=10,
)
register_statistic(
    "platform.organisations",
    label=_l("Government organisations on the platform"),
    compute=_organisations,
    order=20,
)
