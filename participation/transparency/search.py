"""One search index for every public thing: hearings, sections, initiatives,
budget proposals, comments.

Domains feed it in one of two ways:

* directly, from a service: ``index_document(kind, ref_id, title=..., body=...,
  url=..., status=..., visible=...)`` and ``remove_document(kind, ref_id)``;
* or, better, by registering an indexer once (at import of their views
  module)::

      search.register_indexer(
          "hearing",
          build=lambda h: search.Document(kind="hearing", ref_id=h.id, title=..., body=..., url=...,
                                          status=h.state.value, visible=h.is_public,
                                          organisation_id=h.organisation_id),
          all=lambda: db.session.scalars(select(Hearing)),
          label=_l("Hearings"),
      )

  After every published event whose ``subject_type`` has an indexer, the
  subject is loaded (through ``participation.subjects`` unless ``load`` is
  given) and re-indexed in the same transaction; ``build`` may return one
  document, several (a hearing and its sections) or None (not searchable any
  more: the document ``(subject_type, subject_id)`` is removed).
  ``participation search reindex`` rebuilds everything from ``all()``.

The full-text index reads ``search_text`` = ``search_text.index_text(title +
body)`` (Thai segmented into words), through an FTS5 table on SQLite and a GIN
``to_tsvector('simple', ...)`` index on PostgreSQL (see ``fulltext.py``).
Queries are built only from bound parameters: the user's text becomes a quoted
FTS5 expression (``fts5_match``) or plain terms for ``plainto_tsquery``.
Documents with ``visible=False`` are never returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import Float, bindparam, column, delete, func, literal_column, select, table

from participation import db, events, subjects
from participation.search_text import MAX_QUERY_LENGTH, fts5_match, index_text, pg_tsquery_terms
from participation.text import excerpt, highlight
from participation.transparency import cursors
from participation.transparency.models import SearchDocument

log = logging.getLogger(__name__)

TITLE_MAX = 300
EXCERPT_LENGTH = 400
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: Deeper than this, refine the query instead of paging on.
MAX_OFFSET = 1000


class SearchError(ValueError):
    """The query cannot be run (e.g. too long); the message is for the reader."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class ParentRef:
    kind: str
    ref_id: int
    title: str | None = None


@dataclass
class Document:
    kind: str
    ref_id: int
    title: str
    body: str
    url: str
    status: str | None = None
    visible: bool = True
    organisation_id: int | None = None
    parent: ParentRef | None = None


def index_document(
    kind: str,
    ref_id: int,
    *,
    title: str,
    body: str,
    url: str,
    status: str | None,
    visible: bool,
    organisation_id: int | None = None,
    parent: ParentRef | None = None,
) -> None:
    """Insert or replace the document ``(kind, ref_id)``; flushes.

    ``title`` and ``body`` are the public text (Markdown is reduced to plain
    text for the excerpt); an upsert, so concurrent re-indexing of one thing
    cannot create duplicates.
    """
    values = {
        "kind": kind,
        "ref_id": ref_id,
        "title": excerpt(title, TITLE_MAX) or "",
        "body_excerpt": excerpt(body, EXCERPT_LENGTH),
        "url": url[:300],
        "status": status,
        "visible": bool(visible),
        "organisation_id": organisation_id,
        "parent_kind": parent.kind if parent else None,
        "parent_ref_id": parent.ref_id if parent else None,
        "parent_title": excerpt(parent.title, TITLE_MAX) if parent and parent.title else None,
        "updated_at": db.utcnow(),
        "search_text": index_text(f"{title}\n{body}"),
    }
    statement = db.insert(SearchDocument).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["kind", "ref_id"],
        set_={k: statement.excluded[k] for k in values if k not in ("kind", "ref_id")},
    )
    db.session.execute(statement)
    db.session.flush()


def index(document: Document) -> None:
    index_document(
        document.kind,
        document.ref_id,
        title=document.title,
        body=document.body,
        url=document.url,
        status=document.status,
        visible=document.visible,
        organisation_id=document.organisation_id,
        parent=document.parent,
    )


def remove_document(kind: str, ref_id: int) -> None:
    """Remove ``(kind, ref_id)`` from the index (no error if absent); flushes."""
    db.session.execute(
        delete(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref_id == ref_id)
    )
    db.session.flush()


# --- querying -------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    ref_id: int
    #: Plain text (escape it when inserting into HTML).
    title_text: str
    snippet_text: str
    #: The same, escaped, with the query terms in ``<mark>``.
    title: Markup
    snippet: Markup
    url: str
    status: str | None
    organisation_id: int | None
    parent_kind: str | None
    parent_ref_id: int | None
    parent_title: str | None
    updated_at: Any
    #: Higher is better; comparable only within one search.
    rank: float


@dataclass
class ResultPage:
    results: list[Result]
    #: Terms the query was segmented into (what was searched for).
    terms: list[str]
    #: Cursor of the next page, or None on the last.
    next_cursor: str | None


def search(
    query: str,
    kinds: Iterable[str] | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    organisation_id: int | None = None,
) -> ResultPage:
    """Visible documents matching every word of ``query``, best first.

    Raises SearchError('too_long') for queries over ``MAX_QUERY_LENGTH``
    characters, SearchError('bad_cursor') for a cursor this site did not make
    for this query, and SearchError('too_deep') past ``MAX_OFFSET`` results. A query with no
    words (only punctuation or operators) finds nothing. Thai is segmented the
    same way as the index, so a word inside a longer Thai phrase is found.
    """
    if len(query) > MAX_QUERY_LENGTH:
        raise SearchError("too_long")
    limit = max(1, min(limit, MAX_LIMIT))
    terms = pg_tsquery_terms(query)
    if not terms:
        return ResultPage([], [], None)
    scope = "search:" + " ".join(terms)
    offset = 0
    if cursor:
        try:
            (offset,) = cursors.decode_cursor(cursor, scope, 1)
        except cursors.InvalidCursor:
            raise SearchError("bad_cursor") from None
        if not isinstance(offset, int) or offset < 0:
            raise SearchError("bad_cursor")
    if offset > MAX_OFFSET:
        raise SearchError("too_deep")

    doc = SearchDocument
    filters = [doc.visible.is_(True)]
    kinds = [k for k in (kinds or []) if k]
    if kinds:
        filters.append(doc.kind.in_(kinds))
    if status:
        filters.append(doc.status == status)
    if organisation_id is not None:
        filters.append(doc.organisation_id == organisation_id)

    if db.database().is_sqlite:
        match = fts5_match(query)
        fts = table("search_documents_fts", column("rowid"))
        # bm25() is lower for better matches; negate so higher is better everywhere.
        rank = (-func.bm25(literal_column("search_documents_fts"), type_=Float)).label("rank")
        statement = (
            select(doc, rank)
            .join(fts, fts.c.rowid == doc.id)
            .where(literal_column("search_documents_fts").op("MATCH")(bindparam("match", match)), *filters)
        )
    else:
        vector = func.to_tsvector(literal_column("'simple'::regconfig"), doc.search_text)
        tsquery = func.plainto_tsquery(literal_column("'simple'::regconfig"), bindparam("q", " ".join(terms)))
        rank = func.ts_rank(vector, tsquery, type_=Float).label("rank")
        statement = select(doc, rank).where(vector.op("@@")(tsquery), *filters)

    rows = db.session.execute(
        statement.order_by(rank.desc(), doc.id.asc()).offset(offset).limit(limit + 1)
    ).all()
    results = [
        Result(
            kind=d.kind,
            ref_id=d.ref_id,
            title_text=d.title,
            snippet_text=d.body_excerpt,
            title=highlight(d.title, terms),
            snippet=highlight(d.body_excerpt, terms),
            url=d.url,
            status=d.status,
            organisation_id=d.organisation_id,
            parent_kind=d.parent_kind,
            parent_ref_id=d.parent_ref_id,
            parent_title=d.parent_title,
            updated_at=d.updated_at,
            rank=float(r),
        )
        for d, r in rows[:limit]
    ]
    more = len(rows) > limit
    return ResultPage(results, terms, cursors.encode_cursor([offset + limit], scope) if more else None)


# --- indexers: event-driven indexing ---------------------------------------------------


@dataclass
class Indexer:
    subject_type: str
    build: Callable[[Any], Document | list[Document] | None]
    all: Callable[[], Iterable[Any]] | None = None
    load: Callable[[int], Any | None] | None = None
    label: Any = None
    #: Which events re-index the subject (default: all of them).
    when: Callable[[events.Event], bool] | None = None
    #: The human name of a document's ``status`` in the reader's language.
    status_label: Callable[[str], str] | None = None


_indexers: dict[str, Indexer] = {}


def register_indexer(
    subject_type: str,
    build: Callable[[Any], Document | list[Document] | None],
    *,
    all: Callable[[], Iterable[Any]] | None = None,  # noqa: A002 - the documented name
    load: Callable[[int], Any | None] | None = None,
    label=None,
    when: Callable[[events.Event], bool] | None = None,
    status_label: Callable[[str], str] | None = None,
) -> Indexer:
    """Index subjects of ``subject_type`` after each of their events (see module doc).

    ``when(event)`` may restrict which events re-index (e.g. not the comment
    events a hearing receives, which change nothing in its document).
    """
    indexer = Indexer(subject_type, build, all, load, label, when, status_label)
    _indexers[subject_type] = indexer
    return indexer


def unregister_indexer(subject_type: str) -> None:
    _indexers.pop(subject_type, None)


def indexers() -> list[Indexer]:
    return [_indexers[name] for name in sorted(_indexers)]


def kind_labels() -> dict[str, str]:
    """Searchable kinds and their human names, for the search filters."""
    return {i.subject_type: str(i.label or i.subject_type) for i in indexers()}


def status_label(kind: str, status: str) -> str:
    """The human name of ``status`` for documents of ``kind``, in the reader's language."""
    indexer = _indexers.get(kind)
    if indexer is None or indexer.status_label is None:
        return status
    return indexer.status_label(status)


def status_labels() -> dict[str, str]:
    """Statuses of visible documents (one query) with their human names, for the filter.

    One value can name a state of two kinds ("closed" hearings and initiatives):
    its option then reads "Closed: … / Closed", and the filter finds both.
    """
    pairs = db.session.execute(
        select(SearchDocument.status, SearchDocument.kind)
        .where(SearchDocument.visible.is_(True), SearchDocument.status.is_not(None))
        .distinct()
        .order_by(SearchDocument.status, SearchDocument.kind)
    ).all()
    labels: dict[str, list[str]] = {}
    for value, kind in pairs:
        label = status_label(kind, value)
        if label not in labels.setdefault(value, []):
            labels[value].append(label)
    return {value: " / ".join(names) for value, names in labels.items()}


def _documents(result) -> list[Document]:
    if result is None:
        return []
    if isinstance(result, Document):
        return [result]
    return list(result)


def reindex_subject(subject_type: str, subject_id: int) -> int:
    """Re-index one subject through its indexer; returns how many documents were written."""
    indexer = _indexers.get(subject_type)
    if indexer is None:
        return 0
    # Pending changes (a deletion, a renamed title) must be visible to the loader.
    db.session.flush()
    if indexer.load is not None:
        subject = indexer.load(subject_id)
    else:
        resolved = subjects.resolve(subject_type, subject_id)
        subject = resolved[1] if resolved else None
    documents = _documents(indexer.build(subject)) if subject is not None else []
    if not any(d.kind == subject_type and d.ref_id == subject_id for d in documents):
        remove_document(subject_type, subject_id)
    for document in documents:
        index(document)
    return len(documents)


@events.listen
def _on_event(event: events.Event) -> None:
    indexer = _indexers.get(event.subject_type)
    if event.subject_id is not None and indexer is not None and (indexer.when is None or indexer.when(event)):
        reindex_subject(event.subject_type, event.subject_id)


def reindex_all() -> int:
    """Rebuild the documents of every registered indexer from its ``all()``; flushes."""
    count = 0
    for indexer in indexers():
        if indexer.all is None:
            continue
        kinds_written: set[tuple[str, int]] = set()
        for subject in indexer.all():
            for document in _documents(indexer.build(subject)):
                index(document)
                kinds_written.add((document.kind, document.ref_id))
                count += 1
        stale = db.session.execute(
            select(SearchDocument.id, SearchDocument.kind, SearchDocument.ref_id).where(
                SearchDocument.kind == indexer.subject_type
            )
        ).all()
        for row in stale:
            if (row.kind, row.ref_id) not in kinds_written:
                db.session.execute(delete(SearchDocument).where(SearchDocument.id == row.id))
    db.session.flush()
    return count
