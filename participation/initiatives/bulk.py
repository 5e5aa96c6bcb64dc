"""Fast bulk insertion of synthetic signatures, for the demo and the load benchmark.

Rows go in through Core (COPY on PostgreSQL, executemany on SQLite), not the
ORM or the signing service: they have synthetic identity keys
(``bulk:<initiative>:<n>``), no account and no personal details. Never used
for real signers.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import func, insert, select

from participation import db
from participation.initiatives.models import Signature
from participation.initiatives.services import CONSENT_VERSION

BATCH = 20_000


def bulk_insert_signatures(
    initiative_id: int, n: int, *, start: datetime, end: datetime, key_prefix: str | None = None
) -> int:
    """Insert ``n`` synthetic signatures spread evenly between ``start`` and ``end``. Flushes, no commit."""
    if n <= 0:
        return 0
    prefix = key_prefix or f"bulk:{initiative_id}:{os.urandom(4).hex()}"
    step = (end - start) / n
    session = db.session
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        columns = "initiative_id, identity_key, created_at, receipt_hash, consent_version"
        statement = f"COPY initiative_signatures ({columns}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for i in range(n):
                at = (start + step * i).astimezone(UTC).replace(tzinfo=None)
                copy.write_row((initiative_id, f"{prefix}:{i}", at, os.urandom(32).hex(), CONSENT_VERSION))
        return n
    for offset in range(0, n, BATCH):
        rows = [
            {
                "initiative_id": initiative_id,
                "identity_key": f"{prefix}:{i}",
                "created_at": start + step * i,
                "receipt_hash": os.urandom(32).hex(),
                "consent_version": CONSENT_VERSION,
            }
            for i in range(offset, min(n, offset + BATCH))
        ]
        connection.execute(insert(Signature), rows)
    return n


def signature_count(initiative_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Signature).where(Signature.initiative_id == initiative_id)
    )


__all__ = ["bulk_insert_signatures", "signature_count"]
