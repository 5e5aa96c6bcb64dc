"""The statistics registry computes real figures from the database."""

from __future__ import annotations

from participation.transparency import statistics
from tests.transparency.helpers import publish_events


def _values(now=None):
    return {s.key: value for s, value in statistics.compute_all(now)}


def test_platform_figures_follow_the_data(db, factory):
    assert _values()["platform.public_events"] == 0
    assert _values()["platform.organisations"] == 0
    publish_events(db, 3)
    factory.organisation()
    values = _values()
    assert values["platform.public_events"] == 3
    assert values["platform.organisations"] == 1


def test_domains_register_their_own(db):
    statistics.register_statistic(
        "test.answer", label="Answer", compute=lambda now: now.year, group="test", order=1
    )
    try:
        keys = [s.key for s in statistics.registered()]
        assert keys.index("platform.public_events") < keys.index("platform.organisations")
        assert "test.answer" in keys
        from datetime import UTC, datetime

        assert _values(datetime(2030, 1, 1, tzinfo=UTC))["test.answer"] == 2030
    finally:
        statistics.unregister_statistic("test.answer")
    assert "test.answer" not in [s.key for s in statistics.registered()]
