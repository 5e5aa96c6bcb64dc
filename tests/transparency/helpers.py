"""Shared helpers for the transparency tests."""

from __future__ import annotations

from participation.events import Event, publish


def publish_events(
    session, count: int, kind: str = "hearing.opened", subject_type: str = "hearing"
) -> list[Event]:
    """Publish ``count`` public events through ``events.publish`` and commit."""
    published = [
        publish(
            Event(
                kind=kind,
                subject_type=subject_type,
                subject_id=i + 1,
                payload={"title": f"ร่างพระราชบัญญัติฉบับที่ {i + 1}", "days": 15},
            )
        )
        for i in range(count)
    ]
    session.commit()
    return published
