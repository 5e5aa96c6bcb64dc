"""The read-only public JSON API under ``/api/v1``.

Every response is JSON, errors included (``{"error": {"status", "title",
"message"}}``); any origin may read it (CORS ``*``, no credentials); one shared
rate limit per client covers the whole blueprint; CSRF does not apply (GET
only). Domains add endpoints to this blueprint with the helpers here::

    from participation.transparency import api, openapi

    @api.bp.get("/hearings")
    def hearings():
        page = api.paginate(select(Hearing).where(...), [Hearing.id], api.cursor_arg(), api.parse_limit())
        return api.page_response(page, [hearing_json(h) for h in page.items])

    openapi.register_endpoint("/hearings", endpoint="api.hearings", ...)

Register endpoints at import of the domain's views module (which the app
imports when it registers blueprints), before the first request.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import Select, select, tuple_
from werkzeug.exceptions import HTTPException

from participation import db
from participation.accounts.models import Organisation
from participation.extensions import csrf, limiter
from participation.i18n import _, _l, ngettext
from participation.transparency import cursors, openapi
from participation.transparency.ledger import GENESIS
from participation.transparency.models import LedgerEntry, LedgerHead
from participation.web.query import MAX_INT, whole_number

bp = Blueprint("api", __name__, url_prefix=openapi.API_PREFIX)
csrf.exempt(bp)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
DEFAULT_RATE_LIMIT = "300 per minute"


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def rate_limit_text(spec: str | None = None) -> str:
    """The API's rate limit ("300 per minute; 5000 per day") in the reader's language.

    A limit over several units of time ("10 per 5 seconds") is shown as written.
    """
    from limits import parse_many

    per_unit = {
        "second": lambda n: ngettext("%(num)d request a second", "%(num)d requests a second", n),
        "minute": lambda n: ngettext("%(num)d request a minute", "%(num)d requests a minute", n),
        "hour": lambda n: ngettext("%(num)d request an hour", "%(num)d requests an hour", n),
        "day": lambda n: ngettext("%(num)d request a day", "%(num)d requests a day", n),
    }
    spec = spec or _rate_limit()
    parts = []
    for item in parse_many(spec):
        unit = item.GRANULARITY.name
        if item.multiples != 1 or unit not in per_unit:
            return spec
        parts.append(per_unit[unit](item.amount))
    return _(" and ").join(parts)


limiter.shared_limit(_rate_limit, scope="api-v1")(bp)


class ApiError(HTTPException):
    """A client error with a clear message, answered as the JSON error body."""

    def __init__(self, message: str, code: int = 400):
        super().__init__(description=message)
        self.code = code


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    from participation.web.errors import render_error

    return render_error(exc.code, exc.description)


@bp.after_app_request
def _cors(response: Response) -> Response:
    """Anyone may read the public API from a browser on another site."""
    if request.path.startswith(openapi.API_PREFIX + "/") and request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
        )
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Accept-Language, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
        response.headers.setdefault("Cache-Control", "public, max-age=30")
    return response


# --- helpers every endpoint uses ------------------------------------------------


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix and microseconds (as the ledger hashes it)."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_limit(name: str = "limit", default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """The page size from the query string; ApiError(400) unless 1..maximum."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if whole_number(raw, 1, maximum) is None:
        raise ApiError(
            _("%(name)s must be a whole number from 1 to %(maximum)s.", name=name, maximum=maximum)
        )
    return int(raw)


def parse_int(name: str, default: int | None = None, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """A whole number from ``minimum`` to ``maximum`` from the query string; ApiError(400) otherwise."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if whole_number(raw, minimum, maximum) is None:
        raise ApiError(
            _(
                "%(name)s must be a whole number from %(minimum)s to %(maximum)s.",
                name=name,
                minimum=minimum,
                maximum=maximum,
            )
        )
    return int(raw)


def encode_cursor(values: Sequence[Any], scope: str) -> str:
    """An opaque, signed cursor (base64url JSON + HMAC) for ``values``."""
    return cursors.encode_cursor(values, scope)


def decode_cursor(cursor: str, scope: str, length: int | None = None) -> list[Any]:
    """The values of a cursor made by :func:`encode_cursor`; ApiError(400) if forged or stale."""
    try:
        return cursors.decode_cursor(cursor, scope, length)
    except cursors.InvalidCursor:
        raise ApiError(_("The cursor is invalid or has expired. Start again from the first page.")) from None


def cursor_arg() -> str | None:
    value = request.args.get("cursor")
    return value or None


@dataclass
class Page:
    items: list
    next_cursor: str | None


def paginate(
    query: Select,
    key_columns: Sequence,
    cursor: str | None,
    limit: int,
    *,
    descending: bool = False,
    scope: str | None = None,
) -> Page:
    """Keyset pagination of a single-entity ``select``.

    ``key_columns`` (ORM attributes, together unique, e.g. ``[Model.id]`` or
    ``[Model.created_at, Model.id]``) define the order; the page after
    ``cursor`` holds at most ``limit`` items. The cursor is signed and bound to
    ``scope`` (default: the key columns), so it cannot be forged into arbitrary
    SQL values nor reused on another listing; a bad one raises ApiError(400).
    The cost of a page does not depend on how deep it is.
    """
    scope = scope or ",".join(str(c) for c in key_columns) + (":desc" if descending else "")
    keys = tuple_(*key_columns) if len(key_columns) > 1 else key_columns[0]
    if cursor:
        values = decode_cursor(cursor, scope, len(key_columns))
        after = tuple_(*values) if len(values) > 1 else values[0]
        query = query.where(keys < after if descending else keys > after)
    order = [c.desc() if descending else c.asc() for c in key_columns]
    rows = db.session.scalars(query.order_by(*order).limit(limit + 1)).all()
    items = list(rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, c.key) for c in key_columns], scope)
    return Page(items, next_cursor)


def next_url(**params) -> str | None:
    """This endpoint's URL with the query string changed (None values dropped)."""
    args = {k: v for k, v in request.args.items() if k not in params}
    args.update({k: v for k, v in params.items() if v is not None})
    return url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)


def page_response(page: Page, data: list[dict]) -> dict:
    return {
        "data": data,
        "next_cursor": page.next_cursor,
        "next": next_url(cursor=page.next_cursor) if page.next_cursor else None,
    }


# --- organisations ------------------------------------------------------------------

ORGANISATION = openapi.register_schema(
    "Organisation",
    {
        "type": "object",
        "required": ["id", "slug", "name_th", "name_en", "kind"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name_th": {"type": "string"},
            "name_en": {"type": ["string", "null"]},
            "kind": {
                "type": "string",
                "enum": ["ministry", "department", "provincial", "local_government", "parliament", "other"],
            },
        },
    },
)


def organisation_json(organisation: Organisation) -> dict:
    return {
        "id": organisation.id,
        "slug": organisation.slug,
        "name_th": organisation.name_th,
        "name_en": organisation.name_en,
        "kind": organisation.kind.value,
    }


@bp.get("/organisations")
def organisations():
    page = paginate(select(Organisation), [Organisation.id], cursor_arg(), parse_limit())
    return page_response(page, [organisation_json(o) for o in page.items])


@bp.get("/organisations/<slug>")
def organisation(slug: str):
    found = db.session.scalar(select(Organisation).where(Organisation.slug == slug[:64]))
    if found is None:
        raise ApiError(_("There is no organisation with this short name."), 404)
    return organisation_json(found)


openapi.register_tag("general", _l("Organisations and the API itself."))
openapi.register_endpoint(
    "/organisations",
    endpoint="api.organisations",
    summary=_l("Organisations"),
    description=_l("Government agencies that hold hearings, receive initiatives or run budgets, by id."),
    parameters=openapi.cursor_params(),
    response=openapi.page_schema(ORGANISATION),
)
openapi.register_endpoint(
    "/organisations/{slug}",
    endpoint="api.organisation",
    summary=_l("One organisation"),
    description=_l("An organisation by its short name."),
    parameters=[openapi.path_param("slug", "string", _l("The organisation's short name, e.g. moi."))],
    response=ORGANISATION,
    errors=(404,),
)


# --- the ledger -----------------------------------------------------------------------

LEDGER_ENTRY = openapi.register_schema(
    "LedgerEntry",
    {
        "type": "object",
        "required": [
            "seq",
            "created_at",
            "kind",
            "subject_type",
            "subject_id",
            "payload",
            "prev_hash",
            "hash",
        ],
        "additionalProperties": False,
        "properties": {
            "seq": {"type": "integer", "minimum": 1},
            "created_at": {"type": "string", "format": "date-time"},
            "kind": {"type": "string"},
            "subject_type": {"type": "string"},
            "subject_id": {"type": ["integer", "null"]},
            "payload": {"type": "object"},
            "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    },
)
LEDGER_HEAD = openapi.register_schema(
    "LedgerHead",
    {
        "type": "object",
        "required": ["seq", "hash"],
        "additionalProperties": False,
        "properties": {
            "seq": {"type": "integer", "minimum": 0, "description": "Sequence number of the last entry."},
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
    },
)


def ledger_entry_json(entry: LedgerEntry) -> dict:
    return {
        "seq": entry.seq,
        "created_at": iso(entry.created_at),
        "kind": entry.kind,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "payload": json.loads(entry.payload),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


@bp.get("/ledger")
def ledger_entries():
    after = parse_int("after", 0)
    limit = parse_limit()
    rows = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.seq > after).order_by(LedgerEntry.seq).limit(limit + 1)
    ).all()
    data = [ledger_entry_json(e) for e in rows[:limit]]
    more = len(rows) > limit
    return {
        "data": data,
        "next_cursor": str(data[-1]["seq"]) if more else None,
        "next": next_url(after=data[-1]["seq"]) if more else None,
    }


@bp.get("/ledger/head")
def ledger_head():
    head = db.session.get(LedgerHead, 1)
    return {"seq": head.seq if head else 0, "hash": head.hash if head else GENESIS}


openapi.register_tag("ledger", _l("The append-only, hash-chained record of every public event."))
openapi.register_endpoint(
    "/ledger",
    endpoint="api.ledger_entries",
    summary=_l("Ledger entries"),
    description=_l(
        "Public events in order, from any point: entries with a sequence number greater than after. "
        "Recompute each hash to verify the chain (see the open data page)."
    ),
    parameters=[
        openapi.query_param(
            "after",
            {"type": "integer", "minimum": 0, "default": 0},
            _l("Return entries after this sequence number (0: from the start)."),
        ),
        openapi.query_param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            _l("How many items per page."),
        ),
    ],
    response=openapi.page_schema(LEDGER_ENTRY),
    tag="ledger",
)
openapi.register_endpoint(
    "/ledger/head",
    endpoint="api.ledger_head",
    summary=_l("Ledger head"),
    description=_l("The sequence number and hash of the latest entry. Write it down to check later."),
    response=LEDGER_HEAD,
    tag="ledger",
)


# --- the document itself ------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document():
    return openapi.build_document(current_app.config.get("BASE_URL", ""))


openapi.register_endpoint(
    "/openapi.json",
    endpoint="api.openapi_document",
    summary=_l("This API's OpenAPI 3.1 document"),
    description=_l("Machine-readable description of every endpoint and response schema."),
    response={"type": "object", "required": ["openapi", "info", "paths"]},
)


# --- search -----------------------------------------------------------------------------

SEARCH_RESULT = openapi.register_schema(
    "SearchResult",
    {
        "type": "object",
        "required": [
            "kind",
            "ref_id",
            "title",
            "title_html",
            "snippet",
            "snippet_html",
            "url",
            "status",
            "organisation_id",
            "parent",
            "updated_at",
            "rank",
        ],
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string"},
            "ref_id": {"type": "integer"},
            "title": {"type": "string"},
            "title_html": {"type": "string", "description": "Escaped HTML; search terms in <mark>."},
            "snippet": {"type": "string"},
            "snippet_html": {"type": "string", "description": "Escaped HTML; search terms in <mark>."},
            "url": {"type": "string", "format": "uri"},
            "status": {"type": ["string", "null"]},
            "organisation_id": {"type": ["integer", "null"]},
            "parent": {
                "type": ["object", "null"],
                "required": ["kind", "ref_id", "title"],
                "additionalProperties": False,
                "properties": {
                    "kind": {"type": "string"},
                    "ref_id": {"type": "integer"},
                    "title": {"type": ["string", "null"]},
                },
            },
            "updated_at": {"type": "string", "format": "date-time"},
            "rank": {"type": "number"},
        },
    },
)


def search_error_message(code: str) -> str:
    from participation.transparency.search import MAX_QUERY_LENGTH

    return {
        "too_long": _("The search is too long: use at most %(n)s characters.", n=MAX_QUERY_LENGTH),
        "bad_cursor": _("The cursor is invalid or has expired. Start again from the first page."),
        "too_deep": _("There are too many results to page through. Please add words to your search."),
    }.get(code, _("The search could not be understood."))


def search_result_json(result) -> dict:
    return {
        "kind": result.kind,
        "ref_id": result.ref_id,
        "title": result.title_text,
        "title_html": str(result.title),
        "snippet": result.snippet_text,
        "snippet_html": str(result.snippet),
        "url": request.host_url.rstrip("/") + result.url,
        "status": result.status,
        "organisation_id": result.organisation_id,
        "parent": (
            {"kind": result.parent_kind, "ref_id": result.parent_ref_id, "title": result.parent_title}
            if result.parent_kind
            else None
        ),
        "updated_at": iso(result.updated_at),
        "rank": result.rank,
    }


@bp.get("/search")
def search():
    from participation.transparency import search as search_module

    query = request.args.get("q", "")
    limit = parse_limit(default=search_module.DEFAULT_LIMIT, maximum=search_module.MAX_LIMIT)
    kinds = [k for value in request.args.getlist("kind") for k in value.split(",") if k]
    try:
        page = search_module.search(
            query, kinds=kinds, status=request.args.get("status") or None, cursor=cursor_arg(), limit=limit
        )
    except search_module.SearchError as exc:
        raise ApiError(search_error_message(exc.code)) from None
    return {
        "data": [search_result_json(r) for r in page.results],
        "next_cursor": page.next_cursor,
        "next": next_url(cursor=page.next_cursor) if page.next_cursor else None,
    }


openapi.register_tag("search", _l("Full-text search over every public thing, in Thai and English."))
openapi.register_endpoint(
    "/search",
    endpoint="api.search",
    summary=_l("Search"),
    description=_l(
        "Public documents containing every word of q, best first. Thai text is split into words, "
        "so a word is found inside a longer phrase. Hidden content is never returned."
    ),
    parameters=[
        openapi.query_param("q", {"type": "string", "maxLength": 1000}, _l("The words to search for.")),
        openapi.query_param(
            "kind", {"type": "string"}, _l("Only these kinds (comma-separated), e.g. hearing,initiative.")
        ),
        openapi.query_param("status", {"type": "string"}, _l("Only documents in this state, e.g. open.")),
        *openapi.cursor_params(default_limit=20, max_limit=100),
    ],
    response=openapi.page_schema(SEARCH_RESULT),
    tag="search",
)
