"""``/api/v1/hearings``: hearings, their drafts, questionnaire results, comments and report.

Public data only, exactly what the hearing pages show: no drafts, no emails,
authors by display name ("deleted user" once an account is deleted), hidden
and deleted comments as tombstones without their text, pending comments not
at all.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from participation import db
from participation.comments.models import Comment, CommentStatus, Position, StakeholderGroup
from participation.comments.queries import counts_for
from participation.hearings import queries as hearing_queries
from participation.hearings.models import (
    Hearing,
    HearingDisposition,
    HearingStatus,
    LawType,
)
from participation.i18n import _, _l
from participation.transparency import api, openapi
from participation.transparency.indexers import path

DELETED_USER = "deleted user"

openapi.register_tag("hearings", _l("Public hearings on draft laws (Constitution section 77)."))

_STR_OR_NULL = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}

HEARING = openapi.register_schema(
    "Hearing",
    {
        "type": "object",
        "required": [
            "id",
            "organisation_id",
            "title_th",
            "title_en",
            "summary_th",
            "summary_en",
            "kind",
            "law_type",
            "status",
            "opens_at",
            "closes_at",
            "report_published_at",
            "comment_count",
            "url",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "organisation_id": {"type": "integer"},
            "title_th": {"type": "string"},
            "title_en": _STR_OR_NULL,
            "summary_th": {"type": "string"},
            "summary_en": _STR_OR_NULL,
            "kind": {"type": "string", "enum": ["draft_law", "evaluation"]},
            "law_type": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["scheduled", "open", "closed", "report_published"],
                "description": "The state at the time of the request (the clock opens and closes).",
            },
            "opens_at": _TIME,
            "closes_at": _TIME,
            "report_published_at": _TIME_OR_NULL,
            "comment_count": {"type": "integer", "description": "Published comments."},
            "url": {"type": "string", "format": "uri"},
        },
    },
)

SECTION = {
    "type": "object",
    "required": ["id", "key", "position", "kind", "label", "heading", "body", "comment_count"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "key": {"type": "string", "description": "Stable across versions of the draft."},
        "position": {"type": "integer"},
        "kind": {"type": "string", "enum": ["preamble", "chapter", "section"]},
        "label": {"type": "string"},
        "heading": {"type": "string"},
        "body": {"type": "string"},
        "comment_count": {"type": "integer"},
    },
}

HEARING_DETAIL = openapi.register_schema(
    "HearingDetail",
    {
        "type": "object",
        "required": ["hearing", "versions", "sections", "questions", "report_summary", "extensions"],
        "additionalProperties": False,
        "properties": {
            "hearing": HEARING,
            "versions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "number", "published_at", "note"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "number": {"type": "integer"},
                        "published_at": _TIME,
                        "note": _STR_OR_NULL,
                    },
                },
            },
            "sections": {
                "type": "array",
                "items": SECTION,
                "description": "Sections of the latest published version.",
            },
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "prompt", "kind", "respondents", "choices"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "prompt": {"type": "string"},
                        "kind": {"type": "string"},
                        "respondents": {"type": "integer"},
                        "choices": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "label", "count", "percent"],
                                "additionalProperties": False,
                                "properties": {
                                    "id": {"type": "integer"},
                                    "label": {"type": "string"},
                                    "count": {"type": "integer"},
                                    "percent": {"type": "number"},
                                },
                            },
                        },
                    },
                },
            },
            "extensions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["old_closes_at", "new_closes_at", "reason", "created_at"],
                    "additionalProperties": False,
                    "properties": {
                        "old_closes_at": _TIME,
                        "new_closes_at": _TIME,
                        "reason": {"type": "string"},
                        "created_at": _TIME,
                    },
                },
            },
            "report_summary": _STR_OR_NULL,
        },
    },
)

COMMENT = openapi.register_schema(
    "Comment",
    {
        "type": "object",
        "required": [
            "id",
            "subject_type",
            "subject_id",
            "part_id",
            "parent_id",
            "author",
            "status",
            "body",
            "hidden_reason",
            "position",
            "stakeholder_group",
            "on_behalf_of",
            "created_at",
            "edited_at",
            "similar_to_id",
            "url",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "subject_type": {"type": "string"},
            "subject_id": {"type": "integer"},
            "part_id": {
                "type": ["integer", "null"],
                "description": "Section id, or null for the whole draft.",
            },
            "parent_id": {"type": ["integer", "null"]},
            "author": {"type": "string", "description": 'Display name, or "deleted user".'},
            "status": {"type": "string", "enum": ["published", "hidden", "deleted"]},
            "body": {"type": ["string", "null"], "description": "Markdown; null when hidden or deleted."},
            "hidden_reason": _STR_OR_NULL,
            "position": {"type": ["string", "null"], "enum": [*[p.value for p in Position], None]},
            "stakeholder_group": {
                "type": ["string", "null"],
                "enum": [*[g.value for g in StakeholderGroup], None],
            },
            "on_behalf_of": _STR_OR_NULL,
            "created_at": _TIME,
            "edited_at": _TIME_OR_NULL,
            "similar_to_id": {
                "type": ["integer", "null"],
                "description": "First comment of a form letter group.",
            },
            "url": {"type": "string", "format": "uri"},
        },
    },
)

REPORT_ENTRY = openapi.register_schema(
    "ReportEntry",
    {
        "type": "object",
        "required": ["comment", "disposition"],
        "additionalProperties": False,
        "properties": {
            "comment": COMMENT,
            "disposition": {
                "type": ["object", "null"],
                "required": ["outcome", "explanation", "changed_section_id", "decided_at"],
                "additionalProperties": False,
                "properties": {
                    "outcome": {
                        "type": "string",
                        "enum": ["accepted", "partly_accepted", "not_accepted", "out_of_scope"],
                    },
                    "explanation": {"type": "string"},
                    "changed_section_id": {"type": ["integer", "null"]},
                    "decided_at": _TIME,
                },
            },
        },
    },
)


def external(site_path: str) -> str:
    return request.host_url.rstrip("/") + site_path


def author_name(user) -> str:
    return DELETED_USER if user is None or user.is_deleted or not user.display_name else user.display_name


def hearing_json(hearing: Hearing, now, counts: dict[int, int]) -> dict:
    return {
        "id": hearing.id,
        "organisation_id": hearing.organisation_id,
        "title_th": hearing.title_th,
        "title_en": hearing.title_en,
        "summary_th": hearing.summary_th,
        "summary_en": hearing.summary_en,
        "kind": hearing.kind.value,
        "law_type": hearing.law_type.value,
        "status": hearing.status_at(now).value,
        "opens_at": api.iso(hearing.opens_at),
        "closes_at": api.iso(hearing.closes_at),
        "report_published_at": api.iso(hearing.report_published_at),
        "comment_count": counts.get(hearing.id, 0),
        "url": external(path("hearings.show", hearing_id=hearing.id)),
    }


def comment_json(comment: Comment) -> dict:
    shown = comment.status == CommentStatus.published
    return {
        "id": comment.id,
        "subject_type": comment.subject_type,
        "subject_id": comment.subject_id,
        "part_id": comment.part_id,
        "parent_id": comment.parent_id,
        "author": author_name(comment.author),
        "status": comment.status.value,
        "body": comment.body if shown else None,
        "hidden_reason": comment.hidden_reason if comment.status == CommentStatus.hidden else None,
        "position": comment.position.value if comment.position else None,
        "stakeholder_group": comment.stakeholder_group.value if comment.stakeholder_group else None,
        "on_behalf_of": comment.on_behalf_of if shown else None,
        "created_at": api.iso(comment.created_at),
        "edited_at": api.iso(comment.edited_at),
        "similar_to_id": comment.similar_to_id,
        "url": external(path("comments.permalink", comment_id=comment.id)),
    }


def disposition_json(disposition: HearingDisposition | None) -> dict | None:
    if disposition is None:
        return None
    return {
        "outcome": disposition.outcome.value,
        "explanation": disposition.explanation,
        "changed_section_id": disposition.changed_section_id,
        "decided_at": api.iso(disposition.decided_at),
    }


def choice(name: str, values) -> str | None:
    """A query-string value that must be one of ``values``; 400 otherwise."""
    value = request.args.get(name) or None
    if value is not None and value not in values:
        raise api.ApiError(_("%(name)s must be one of: %(values)s.", name=name, values=", ".join(values)))
    return value


def public_hearing(hearing_id: int) -> Hearing:
    hearing = hearing_queries.load_hearing(hearing_id)
    if hearing is None or hearing.status == HearingStatus.draft:
        raise api.ApiError(_("There is no hearing with this id."), 404)
    return hearing


STATUSES = ("scheduled", "open", "closed", "report_published")


@api.bp.get("/hearings")
def hearings():
    now = db.utcnow()
    status = choice("status", STATUSES)
    law_type = choice("law_type", [t.value for t in LawType])
    organisation_id = api.parse_int("organisation_id", None, minimum=1)
    query = select(Hearing).where(Hearing.status != HearingStatus.draft)
    if status:
        query = query.where(hearing_queries.effective_status(now) == status)
    if law_type:
        query = query.where(Hearing.law_type == LawType(law_type))
    if organisation_id:
        query = query.where(Hearing.organisation_id == organisation_id)
    page = api.paginate(
        query, [Hearing.id], api.cursor_arg(), api.parse_limit(), descending=True, scope="api.hearings"
    )
    counts = counts_for("hearing", [h.id for h in page.items])
    return api.page_response(page, [hearing_json(h, now, counts) for h in page.items])


@api.bp.get("/hearings/<int:hearing_id>")
def hearing(hearing_id: int):
    item = public_hearing(hearing_id)
    now = db.utcnow()
    from participation.comments.queries import counts as part_counts
    from participation.hearings.services import current_version

    per_part = part_counts("hearing", item.id)
    published = [v for v in item.versions if v.is_published]
    sections = current_version(item).sections if published else []
    return {
        "hearing": hearing_json(item, now, {item.id: per_part.get(0, 0)}),
        "versions": [
            {"id": v.id, "number": v.number, "published_at": api.iso(v.published_at), "note": v.note}
            for v in published
        ],
        "sections": [
            {
                "id": s.id,
                "key": s.key,
                "position": s.position,
                "kind": s.kind.value,
                "label": s.label,
                "heading": s.heading,
                "body": s.body,
                "comment_count": per_part.get(s.id, 0),
            }
            for s in sections
        ],
        "questions": [
            {
                "id": r.question.id,
                "prompt": r.question.prompt,
                "kind": r.question.kind.value,
                "respondents": r.respondents,
                "choices": [
                    {"id": c.choice.id, "label": c.choice.label, "count": c.count, "percent": c.percent}
                    for c in r.choices
                ],
            }
            for r in hearing_queries.questionnaire_results(item)
        ],
        "extensions": [
            {
                "old_closes_at": api.iso(e.old_closes_at),
                "new_closes_at": api.iso(e.new_closes_at),
                "reason": e.reason,
                "created_at": api.iso(e.created_at),
            }
            for e in item.extensions
        ],
        "report_summary": item.report_summary if item.status == HearingStatus.report_published else None,
    }


def _part_filter(hearing: Hearing):
    raw = request.args.get("part") or "all"
    if raw == "all":
        return None
    if raw == "whole":
        return Comment.part_id.is_(None)
    part = api.parse_int("part", None, minimum=1)
    return Comment.part_id == part


def comments_query(hearing: Hearing):
    conditions = [
        Comment.subject_type == "hearing",
        Comment.subject_id == hearing.id,
        Comment.status != CommentStatus.pending,
    ]
    part = _part_filter(hearing)
    if part is not None:
        conditions.append(part)
    position = choice("position", [p.value for p in Position])
    if position:
        conditions.append(Comment.position == Position(position))
    group = choice("stakeholder_group", [g.value for g in StakeholderGroup])
    if group:
        conditions.append(Comment.stakeholder_group == StakeholderGroup(group))
    return select(Comment).where(*conditions)


@api.bp.get("/hearings/<int:hearing_id>/comments")
def hearing_comments(hearing_id: int):
    item = public_hearing(hearing_id)
    order = choice("order", ("oldest", "newest")) or "oldest"
    page = api.paginate(
        comments_query(item),
        [Comment.created_at, Comment.id],
        api.cursor_arg(),
        api.parse_limit(),
        descending=order == "newest",
        scope=f"api.hearing_comments:{item.id}:{order}",
    )
    return api.page_response(page, [comment_json(c) for c in page.items])


@api.bp.get("/hearings/<int:hearing_id>/report")
def hearing_report(hearing_id: int):
    item = public_hearing(hearing_id)
    query = comments_query(item).where(Comment.status == CommentStatus.published, Comment.parent_id.is_(None))
    page = api.paginate(
        query, [Comment.id], api.cursor_arg(), api.parse_limit(), scope=f"api.hearing_report:{item.id}"
    )
    dispositions = hearing_queries.dispositions_for([c.id for c in page.items])
    published = item.status == HearingStatus.report_published
    return api.page_response(
        page,
        [
            {
                "comment": comment_json(c),
                "disposition": disposition_json(dispositions.get(c.id)) if published else None,
            }
            for c in page.items
        ],
    )


_hearing_id = openapi.path_param("hearing_id", "integer", _l("The hearing's id."))
_comment_filters = [
    openapi.query_param(
        "part", {"type": "string"}, _l("all (default), whole (the draft as a whole) or a section id.")
    ),
    openapi.query_param(
        "position", {"type": "string", "enum": [p.value for p in Position]}, _l("Only this position.")
    ),
    openapi.query_param(
        "stakeholder_group",
        {"type": "string", "enum": [g.value for g in StakeholderGroup]},
        _l("Only this group."),
    ),
]
openapi.register_endpoint(
    "/hearings",
    endpoint="api.hearings",
    summary=_l("Hearings"),
    description=_l("Public hearings, newest first (drafts being prepared are never listed)."),
    parameters=[
        openapi.query_param(
            "status", {"type": "string", "enum": list(STATUSES)}, _l("Only hearings in this state now.")
        ),
        openapi.query_param(
            "law_type", {"type": "string", "enum": [t.value for t in LawType]}, _l("Only this type of law.")
        ),
        openapi.query_param("organisation_id", {"type": "integer"}, _l("Only this organisation's hearings.")),
        *openapi.cursor_params(),
    ],
    response=openapi.page_schema(HEARING),
    tag="hearings",
)
openapi.register_endpoint(
    "/hearings/{hearing_id}",
    endpoint="api.hearing",
    summary=_l("One hearing"),
    description=_l(
        "A hearing with its published versions, the sections of the latest one, the questionnaire "
        "with aggregated answers, extensions and, once published, the report summary."
    ),
    parameters=[_hearing_id],
    response=HEARING_DETAIL,
    errors=(404,),
    tag="hearings",
)
openapi.register_endpoint(
    "/hearings/{hearing_id}/comments",
    endpoint="api.hearing_comments",
    summary=_l("Comments on a hearing"),
    description=_l(
        "Every comment and reply in posting order (or newest first); hidden and deleted comments "
        "appear without their text."
    ),
    parameters=[
        _hearing_id,
        *_comment_filters,
        openapi.query_param(
            "order", {"type": "string", "enum": ["oldest", "newest"]}, _l("oldest (default) or newest first.")
        ),
        *openapi.cursor_params(),
    ],
    response=openapi.page_schema(COMMENT),
    errors=(404,),
    tag="hearings",
)
openapi.register_endpoint(
    "/hearings/{hearing_id}/report",
    endpoint="api.hearing_report",
    summary=_l("Hearing report: the answer to every comment"),
    description=_l(
        "Published top-level comments with the agency's disposition (outcome and explanation); "
        "dispositions are null until the report is published."
    ),
    parameters=[_hearing_id, *_comment_filters, *openapi.cursor_params()],
    response=openapi.page_schema(REPORT_ENTRY),
    errors=(404,),
    tag="hearings",
)
