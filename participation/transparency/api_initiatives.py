"""``/api/v1/initiatives``: public initiatives, their counts, timeline and response.

Never signers: only the exact public count (online + paper), the daily
aggregate and the public timeline.
"""

from __future__ import annotations

from sqlalchemy import select

from participation import db
from participation.i18n import _, _l
from participation.initiatives import queries as initiative_queries
from participation.initiatives import services as initiative_services
from participation.initiatives.models import DailyCount, Initiative, InitiativeState
from participation.transparency import api, openapi
from participation.transparency.api_hearings import _STR_OR_NULL, _TIME_OR_NULL, choice, external
from participation.transparency.indexers import path
from participation.web.page_cache import for_anonymous_readers

openapi.register_tag(
    "initiatives", _l("Citizen initiatives: signatures, hand-over and the authority's response.")
)

STATES = [s.value for s in initiative_queries.PUBLIC_STATES]

INITIATIVE = openapi.register_schema(
    "Initiative",
    {
        "type": "object",
        "required": [
            "id",
            "type",
            "organisation_id",
            "title",
            "summary",
            "topic",
            "state",
            "threshold",
            "signatures",
            "online_signatures",
            "paper_signatures",
            "published_at",
            "deadline",
            "threshold_reached_at",
            "handed_over_at",
            "response_due_at",
            "responded_at",
            "overdue",
            "url",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "type": {"type": "string", "description": "Slug of the initiative type (its legal basis)."},
            "organisation_id": {"type": "integer", "description": "The organisation that must respond."},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "topic": _STR_OR_NULL,
            "state": {
                "type": "string",
                "enum": STATES,
                "description": "The state at the time of the request.",
            },
            "threshold": {"type": "integer"},
            "signatures": {"type": "integer", "description": "Exact public count: online plus paper."},
            "online_signatures": {"type": "integer"},
            "paper_signatures": {"type": "integer"},
            "published_at": _TIME_OR_NULL,
            "deadline": _TIME_OR_NULL,
            "threshold_reached_at": _TIME_OR_NULL,
            "handed_over_at": _TIME_OR_NULL,
            "response_due_at": _TIME_OR_NULL,
            "responded_at": _TIME_OR_NULL,
            "overdue": {"type": "boolean", "description": "Handed over and the response is late."},
            "url": {"type": "string", "format": "uri"},
        },
    },
)

INITIATIVE_DETAIL = openapi.register_schema(
    "InitiativeDetail",
    {
        "type": "object",
        "required": ["initiative", "body", "daily_signatures", "timeline", "response"],
        "additionalProperties": False,
        "properties": {
            "initiative": INITIATIVE,
            "body": {"type": "string", "description": "Markdown."},
            "daily_signatures": {
                "type": "array",
                "description": "Online signatures per day (Asia/Bangkok), oldest first.",
                "items": {
                    "type": "object",
                    "required": ["day", "signatures"],
                    "additionalProperties": False,
                    "properties": {
                        "day": {"type": "string", "format": "date"},
                        "signatures": {"type": "integer"},
                    },
                },
            },
            "timeline": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "kind", "code", "body", "created_at", "ledger_seq"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "kind": {"type": "string"},
                        "code": {"type": "string"},
                        "body": _STR_OR_NULL,
                        "created_at": {"type": "string", "format": "date-time"},
                        "ledger_seq": {"type": ["integer", "null"]},
                    },
                },
            },
            "response": {
                "type": ["object", "null"],
                "required": ["text", "responded_at"],
                "additionalProperties": False,
                "properties": {
                    "text": {"type": "string"},
                    "responded_at": {"type": "string", "format": "date-time"},
                },
            },
        },
    },
)


def initiative_json(initiative: Initiative, count: initiative_services.Count, now) -> dict:
    return {
        "id": initiative.id,
        "type": initiative.type.slug,
        "organisation_id": initiative.organisation_id,
        "title": initiative.title,
        "summary": initiative.summary,
        "topic": initiative.topic,
        "state": initiative_services.effective_state(initiative, now, count.total).value,
        "threshold": initiative.threshold,
        "signatures": count.total,
        "online_signatures": count.online,
        "paper_signatures": count.paper,
        "published_at": api.iso(initiative.published_at),
        "deadline": api.iso(initiative.deadline),
        "threshold_reached_at": api.iso(initiative.threshold_reached_at),
        "handed_over_at": api.iso(initiative.handed_over_at),
        "response_due_at": api.iso(initiative.response_due_at),
        "responded_at": api.iso(initiative.responded_at),
        "overdue": initiative_services.is_overdue(initiative, now),
        "url": external(path("initiatives.show", initiative_id=initiative.id)),
    }


def public_initiative(initiative_id: int) -> Initiative:
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None or initiative.state not in initiative_queries.PUBLIC_STATES:
        raise api.ApiError(_("There is no initiative with this id."), 404)
    return initiative


@api.bp.get("/initiatives")
def initiatives():
    now = db.utcnow()
    state = choice("state", STATES)
    organisation_id = api.parse_int("organisation_id", None, minimum=1)
    query = select(Initiative).where(Initiative.state.in_(initiative_queries.PUBLIC_STATES))
    if state:
        query = query.where(Initiative.state == InitiativeState(state))
    if organisation_id:
        query = query.where(Initiative.organisation_id == organisation_id)
    page = api.paginate(
        query, [Initiative.id], api.cursor_arg(), api.parse_limit(), descending=True, scope="api.initiatives"
    )
    counts = initiative_services.public_counts(page.items)
    empty = initiative_services.Count(0, 0)
    return api.page_response(page, [initiative_json(i, counts.get(i.id, empty), now) for i in page.items])


@api.bp.get("/initiatives/<int:initiative_id>")
@for_anonymous_readers
def initiative(initiative_id: int):
    item = public_initiative(initiative_id)
    now = db.utcnow()
    daily = db.session.execute(
        select(DailyCount.day, DailyCount.signatures)
        .where(DailyCount.initiative_id == item.id)
        .order_by(DailyCount.day)
    ).all()
    responded = item.state in (InitiativeState.responded, InitiativeState.closed) and item.response_text
    return {
        "initiative": initiative_json(item, initiative_services.public_count(item), now),
        "body": item.body,
        "daily_signatures": [{"day": day.isoformat(), "signatures": n} for day, n in daily],
        "timeline": [
            {
                "id": e.id,
                "kind": e.kind.value,
                "code": e.code,
                "body": e.body,
                "created_at": api.iso(e.created_at),
                "ledger_seq": e.ledger_seq,
            }
            for e in initiative_queries.timeline(item)
        ],
        "response": {"text": item.response_text, "responded_at": api.iso(item.responded_at)}
        if responded
        else None,
    }


openapi.register_endpoint(
    "/initiatives",
    endpoint="api.initiatives",
    summary=_l("Initiatives"),
    description=_l("Public initiatives (collecting or later), newest first, with their exact public counts."),
    parameters=[
        openapi.query_param(
            "state", {"type": "string", "enum": STATES}, _l("Only initiatives in this state.")
        ),
        openapi.query_param(
            "organisation_id", {"type": "integer"}, _l("Only initiatives to this organisation.")
        ),
        *openapi.cursor_params(),
    ],
    response=openapi.page_schema(INITIATIVE),
    tag="initiatives",
)
openapi.register_endpoint(
    "/initiatives/{initiative_id}",
    endpoint="api.initiative",
    summary=_l("One initiative"),
    description=_l(
        "An initiative with its text, online signatures per day, public timeline and the authority's "
        "response. Signers are never listed."
    ),
    parameters=[openapi.path_param("initiative_id", "integer", _l("The initiative's id."))],
    response=INITIATIVE_DETAIL,
    errors=(404,),
    tag="initiatives",
)
