"""Append to and verify the public ledger.

Format (documented in the README so anyone can verify it): each entry's hash
is ``sha256(canonical)`` where ``canonical`` is the UTF-8 JSON object with keys
``seq, created_at, kind, subject_type, subject_id, payload, prev_hash``, keys
sorted, no spaces (``separators=(",", ":")``), non-ASCII kept as is;
``created_at`` is ISO 8601 UTC with a ``Z`` suffix and microseconds;
``payload`` is the JSON value (not the string). The first entry's
``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from participation import db
from participation.transparency.models import LedgerEntry, LedgerHead

GENESIS = "0" * 64


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    created_at: datetime,
    kind: str,
    subject_type: str,
    subject_id: int | None,
    payload: dict,
    prev_hash: str,
) -> str:
    """The SHA-256 hex digest of an entry's canonical serialisation."""
    document = {
        "seq": seq,
        "created_at": _timestamp(created_at),
        "kind": kind,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def append(kind: str, subject_type: str, subject_id: int | None, payload: dict) -> LedgerEntry:
    """Append one public event to the chain; flushes, the caller commits.

    ``payload`` must hold only public facts (never emails, IDs or signers).
    Appends are serialised on the ledger head row, so the chain stays linear
    under concurrent requests.
    """
    session = db.session
    result = session.execute(update(LedgerHead).where(LedgerHead.id == 1).values(seq=LedgerHead.seq + 1))
    if result.rowcount == 0:
        session.add(LedgerHead(id=1, seq=1, hash=GENESIS))
        session.flush()
    head = session.execute(select(LedgerHead.seq, LedgerHead.hash).where(LedgerHead.id == 1)).one()
    created_at = db.utcnow()
    payload = json.loads(canonical_json(payload))
    digest = entry_hash(
        seq=head.seq,
        created_at=created_at,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=payload,
        prev_hash=head.hash,
    )
    entry = LedgerEntry(
        seq=head.seq,
        created_at=created_at,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=canonical_json(payload),
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(entry)
    session.execute(update(LedgerHead).where(LedgerHead.id == 1).values(hash=digest))
    session.flush()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    head: str
    #: The first entry (seq) that does not verify, and why.
    bad_seq: int | None = None
    reason: str | None = None


def _entries(batch: int = 2000) -> Iterator:
    """Every entry in chain order, as plain rows in batches.

    Plain rows keep the caller's session untouched (no identity map to fill
    or clear), however long the chain.
    """
    columns = (
        LedgerEntry.seq,
        LedgerEntry.created_at,
        LedgerEntry.kind,
        LedgerEntry.subject_type,
        LedgerEntry.subject_id,
        LedgerEntry.payload,
        LedgerEntry.prev_hash,
        LedgerEntry.hash,
    )
    last = 0
    while True:
        rows = db.session.execute(
            select(*columns).where(LedgerEntry.seq > last).order_by(LedgerEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify() -> VerifyResult:
    """Recompute the whole chain; report the first entry that does not match."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in _entries():
        if entry.seq != expected_seq:
            return VerifyResult(False, checked, prev, expected_seq, "missing or reordered entry")
        if entry.prev_hash != prev:
            return VerifyResult(False, checked, prev, entry.seq, "previous hash does not match")
        try:
            payload = json.loads(entry.payload)
        except ValueError:
            return VerifyResult(False, checked, prev, entry.seq, "payload is not JSON")
        digest = entry_hash(
            seq=entry.seq,
            created_at=entry.created_at,
            kind=entry.kind,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            payload=payload,
            prev_hash=entry.prev_hash,
        )
        if digest != entry.hash:
            return VerifyResult(False, checked, prev, entry.seq, "content does not match its hash")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = db.session.get(LedgerHead, 1)
    if head is not None and (head.hash != prev or head.seq != checked):
        return VerifyResult(False, checked, prev, checked + 1, "entries after the last were removed")
    return VerifyResult(True, checked, prev)


def head_hash() -> str:
    head = db.session.get(LedgerHead, 1)
    return head.hash if head else GENESIS
