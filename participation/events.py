"""Public events: one call records the event in the ledger and tells listeners.

Domains call ``publish`` inside the transaction that made the change, so the
ledger entry and the queued emails exist exactly when the change commits.
Listeners (notifications, for instance) register with ``listen``; they must
only flush, never commit, and never send anything themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from participation.transparency import ledger


@dataclass
class Event:
    #: Dotted name, e.g. ``hearing.opened``, ``initiative.threshold_reached``.
    kind: str
    #: What it happened to, e.g. ``hearing`` and its id.
    subject_type: str
    subject_id: int | None
    #: Public facts only: goes into the ledger verbatim (no emails, IDs, signers).
    payload: dict = field(default_factory=dict)
    #: The account that caused it, if any (e.g. the commenter; never put in the payload).
    actor_id: int | None = None
    #: Accounts to tell directly besides followers (e.g. a comment's author).
    recipient_ids: list[int] = field(default_factory=list)
    #: Private context for the emails of direct recipients (never in the ledger).
    private: dict = field(default_factory=dict)
    #: False for events that are notifications only (e.g. a reply to a comment).
    public: bool = True
    #: The ledger sequence number, once recorded.
    seq: int | None = None


_listeners: list[Callable[[Event], None]] = []


def listen(callback: Callable[[Event], None]) -> Callable[[Event], None]:
    """Register a listener called for every published event (idempotent)."""
    if callback not in _listeners:
        _listeners.append(callback)
    return callback


def publish(event: Event) -> Event:
    """Record ``event`` in the public ledger (if public) and call the listeners."""
    if event.public:
        entry = ledger.append(event.kind, event.subject_type, event.subject_id, event.payload)
        event.seq = entry.seq
    for callback in list(_listeners):
        callback(event)
    return event
