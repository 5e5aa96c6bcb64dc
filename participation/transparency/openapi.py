"""The registry of public API endpoints and the OpenAPI 3.1 document built from it.

Every endpoint under ``/api/v1`` registers itself once, next to its view::

    openapi.register_endpoint(
        "/hearings/{hearing_id}",
        endpoint="api.hearing",
        summary=_l("One hearing"),
        description=_l("..."),
        parameters=[openapi.path_param("hearing_id", "integer", _l("The hearing's id."))],
        response=openapi.ref("Hearing"),
        errors=(404,),
        tag="hearings",
    )
    openapi.register_schema("Hearing", {...JSON Schema...})

The same registry renders ``/api/v1/openapi.json`` (always in English) and the
human page ``/open-data`` (in the reader's language), so the two never
disagree; a test checks that every ``/api/v1`` route is registered and that
every response validates against its schema.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale

from participation.i18n import _l

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
API_PREFIX = "/api/v1"


@dataclass
class Endpoint:
    #: OpenAPI path below ``/api/v1``, with ``{name}`` parameters.
    path: str
    #: The Flask endpoint name, e.g. ``api.organisation``.
    endpoint: str
    summary: Any
    description: Any = ""
    parameters: list[dict] = field(default_factory=list)
    #: JSON Schema of the 200 response body.
    response: dict = field(default_factory=dict)
    #: Other documented statuses (each answers the Error schema).
    errors: tuple[int, ...] = ()
    tag: str = "general"
    #: The media type of the 200 response.
    media_type: str = "application/json"


_endpoints: dict[str, Endpoint] = {}
_schemas: dict[str, dict] = {}
_tags: dict[str, Any] = {}


def register_endpoint(path: str, **kwargs) -> Endpoint:
    """Register (or replace) the documentation of one GET endpoint."""
    endpoint = Endpoint(path=path, **kwargs)
    _endpoints[path] = endpoint
    return endpoint


def register_schema(name: str, schema: dict) -> dict:
    """Register a reusable schema, referenced as ``ref(name)``."""
    _schemas[name] = schema
    return ref(name)


def register_tag(name: str, description) -> None:
    _tags[name] = description


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def endpoints() -> list[Endpoint]:
    return sorted(_endpoints.values(), key=lambda e: (e.tag != "general", e.tag, e.path))


def schemas() -> dict[str, dict]:
    return dict(_schemas)


def path_param(name: str, type_: str, description) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": type_},
    }


def query_param(name: str, schema: dict, description) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


#: Parameters shared by every paginated listing.
def cursor_params(default_limit: int = 50, max_limit: int = 200) -> list[dict]:
    return [
        query_param(
            "cursor",
            {"type": "string"},
            _l("Opaque cursor from next_cursor of the previous page; omit for the first page."),
        ),
        query_param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
            _l("How many items per page."),
        ),
    ]


def page_schema(item: dict) -> dict:
    """The envelope of every paginated listing."""
    return {
        "type": "object",
        "required": ["data", "next_cursor", "next"],
        "additionalProperties": False,
        "properties": {
            "data": {"type": "array", "items": item},
            "next_cursor": {"type": ["string", "null"]},
            "next": {"type": ["string", "null"], "description": "URL of the next page, or null on the last."},
        },
    }


register_schema(
    "Error",
    {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "title", "message"],
                "additionalProperties": False,
                "properties": {
                    "status": {"type": "integer"},
                    "title": {"type": "string"},
                    "message": {"type": "string"},
                },
            }
        },
    },
)

_STATUS_TEXT = {
    400: "Bad request: an invalid parameter, cursor or query.",
    404: "Not found.",
    405: "Method not allowed: the API is read-only.",
    429: "Too many requests: wait for the time in Retry-After.",
    500: "Unexpected error on the server.",
}


def _resolve(value):
    return str(value) if value is not None else ""


def build_document(base_url: str = "") -> dict:
    """The OpenAPI 3.1 document of every registered endpoint (English)."""
    with force_locale("en"):
        paths: dict[str, dict] = {}
        for e in endpoints():
            responses: dict[str, dict] = {
                "200": {
                    "description": "OK",
                    "content": {e.media_type: {"schema": copy.deepcopy(e.response)}},
                }
            }
            for status in sorted({*e.errors, 400, 429, 500}):
                responses[str(status)] = {
                    "description": _STATUS_TEXT.get(status, "Error"),
                    "content": {"application/json": {"schema": ref("Error")}},
                }
            parameters = []
            for p in e.parameters:
                p = dict(p)
                p["description"] = _resolve(p.get("description"))
                parameters.append(p)
            paths[API_PREFIX + e.path] = {
                "get": {
                    "operationId": e.endpoint.replace(".", "_"),
                    "summary": _resolve(e.summary),
                    "description": _resolve(e.description),
                    "tags": [e.tag],
                    "parameters": parameters,
                    "responses": responses,
                }
            }
        return {
            "openapi": OPENAPI_VERSION,
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "info": {
                "title": "Participation public API",
                "version": API_VERSION,
                "description": (
                    "Read-only public data of the participation platform: organisations, the "
                    "hash-chained public ledger, search, and each domain's public records. No "
                    "authentication; CORS allowed from any origin; rate-limited per client. "
                    "Times are ISO 8601 in UTC with a Z suffix; ids are stable integers; listings "
                    "are paginated with an opaque next_cursor."
                ),
                "license": {"name": "Open data"},
            },
            "servers": [{"url": base_url.rstrip("/") or "/"}],
            "tags": [{"name": name, "description": _resolve(desc)} for name, desc in sorted(_tags.items())],
            "paths": paths,
            "components": {"schemas": copy.deepcopy(_schemas)},
        }


def openapi_path(rule: str) -> str:
    """A Werkzeug rule (``/api/v1/x/<int:id>``) as an OpenAPI path (``/api/v1/x/{id}``)."""
    import re

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
