"""The full-text index of ``search_documents``, which lives outside the ORM.

SQLite: an FTS5 table ``search_documents_fts`` with external content
(``search_documents.search_text``), kept in sync by three triggers, so every
write to ``search_documents`` (ORM, SQL, a truncate in tests) updates it.
PostgreSQL: a GIN index on ``to_tsvector('simple', search_text)``; queries use
the same expression so the planner uses the index.

Both are created by the migration with ``op.execute``. SQLAlchemy's metadata
does not describe them (a virtual table and an expression index), so Alembic's
model comparison ignores them through :func:`include_object`, used by
``migrations/env.py`` and ``tests/test_migrations.py``.
"""

from __future__ import annotations

FTS_TABLE = "search_documents_fts"
PG_INDEX = "ix_search_documents_tsv"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic hook: skip the full-text objects the migration creates by hand."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)
