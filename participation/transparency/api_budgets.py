"""``/api/v1/budgets`` (participatory budgeting) and ``/api/v1/moderation/log``."""

from __future__ import annotations

from sqlalchemy import select

from participation import db
from participation.budgeting import services as budget_services
from participation.budgeting.models import BudgetProcess, BudgetProposal, BudgetResult, Phase
from participation.i18n import _, _l
from participation.moderation.models import ActionKind, ModerationAction
from participation.transparency import api, openapi
from participation.transparency.api_hearings import _STR_OR_NULL, _TIME, _TIME_OR_NULL, choice, external
from participation.transparency.indexers import path

openapi.register_tag("budgets", _l("Participatory budgeting: proposals, ballots counted and results."))
openapi.register_tag("moderation", _l("The public log of every moderation decision."))

PHASES = [p.value for p in Phase]

BUDGET = openapi.register_schema(
    "BudgetProcess",
    {
        "type": "object",
        "required": [
            "id",
            "slug",
            "organisation_id",
            "title_th",
            "title_en",
            "phase",
            "total_budget",
            "currency",
            "ballot_type",
            "rule",
            "proposals_opens_at",
            "review_opens_at",
            "voting_opens_at",
            "voting_closes_at",
            "implementation_opens_at",
            "ballots",
            "url",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "organisation_id": {"type": "integer"},
            "title_th": {"type": "string"},
            "title_en": _STR_OR_NULL,
            "phase": {
                "type": "string",
                "enum": PHASES,
                "description": "The phase at the time of the request.",
            },
            "total_budget": {"type": "integer"},
            "currency": {"type": "string"},
            "ballot_type": {"type": "string"},
            "rule": {"type": "string", "description": "The official counting rule (greedy or mes)."},
            "proposals_opens_at": _TIME,
            "review_opens_at": _TIME,
            "voting_opens_at": _TIME,
            "voting_closes_at": _TIME,
            "implementation_opens_at": _TIME,
            "ballots": {"type": ["integer", "null"], "description": "Ballots counted; null until results."},
            "url": {"type": "string", "format": "uri"},
        },
    },
)

PROPOSAL = {
    "type": "object",
    "required": [
        "id",
        "district_id",
        "title",
        "description",
        "location",
        "estimated_cost",
        "official_cost",
        "status",
        "review_reason",
        "selected",
        "implementation_status",
        "url",
    ],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "district_id": {"type": ["integer", "null"]},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "location": {"type": "string"},
        "estimated_cost": {"type": "integer"},
        "official_cost": {"type": ["integer", "null"]},
        "status": {"type": "string", "enum": ["submitted", "feasible", "not_feasible"]},
        "review_reason": _STR_OR_NULL,
        "selected": {"type": "boolean"},
        "implementation_status": _STR_OR_NULL,
        "url": {"type": "string", "format": "uri"},
    },
}

RESULT_ROW = {
    "type": "object",
    "required": ["proposal_id", "votes", "points", "cost", "selected", "rank", "reason"],
    "additionalProperties": False,
    "properties": {
        "proposal_id": {"type": "integer"},
        "votes": {"type": "integer"},
        "points": {"type": ["integer", "null"]},
        "cost": {"type": "integer"},
        "selected": {"type": "boolean"},
        "rank": {"type": ["integer", "null"]},
        "reason": _STR_OR_NULL,
    },
}

BUDGET_DETAIL = openapi.register_schema(
    "BudgetProcessDetail",
    {
        "type": "object",
        "required": ["process", "districts", "proposals", "results"],
        "additionalProperties": False,
        "properties": {
            "process": BUDGET,
            "districts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name_th", "name_en", "budget"],
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "integer"},
                        "name_th": {"type": "string"},
                        "name_en": _STR_OR_NULL,
                        "budget": {"type": "integer"},
                    },
                },
            },
            "proposals": {"type": "array", "items": PROPOSAL},
            "results": {
                "type": ["object", "null"],
                "required": ["computed_at", "ballots", "rule", "districts"],
                "additionalProperties": False,
                "properties": {
                    "computed_at": _TIME,
                    "ballots": {"type": "integer"},
                    "rule": {"type": "string"},
                    "districts": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["district_id", "budget", "ballots", "total_cost", "projects"],
                            "additionalProperties": False,
                            "properties": {
                                "district_id": {"type": ["integer", "null"]},
                                "budget": {"type": "integer"},
                                "ballots": {"type": "integer"},
                                "total_cost": {"type": "integer"},
                                "projects": {"type": "array", "items": RESULT_ROW},
                            },
                        },
                    },
                },
            },
        },
    },
)

MODERATION_ACTION = openapi.register_schema(
    "ModerationAction",
    {
        "type": "object",
        "required": [
            "id",
            "kind",
            "created_at",
            "target_type",
            "target_id",
            "reason",
            "note",
            "until",
            "appealed_action_id",
            "url",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "enum": [k.value for k in ActionKind]},
            "created_at": _TIME,
            "target_type": {
                "type": ["string", "null"],
                "description": "Null for account blocks (never who).",
            },
            "target_id": {"type": ["integer", "null"]},
            "reason": _STR_OR_NULL,
            "note": _STR_OR_NULL,
            "until": _TIME_OR_NULL,
            "appealed_action_id": {"type": ["integer", "null"]},
            "url": {"type": "string", "format": "uri"},
        },
    },
)


def budget_json(process: BudgetProcess, now, ballots: dict[int, int]) -> dict:
    return {
        "id": process.id,
        "slug": process.slug,
        "organisation_id": process.organisation_id,
        "title_th": process.title_th,
        "title_en": process.title_en,
        "phase": process.phase_at(now).value,
        "total_budget": process.total_budget,
        "currency": process.currency,
        "ballot_type": process.ballot_type.value,
        "rule": process.rule.value,
        "proposals_opens_at": api.iso(process.proposals_opens_at),
        "review_opens_at": api.iso(process.review_opens_at),
        "voting_opens_at": api.iso(process.voting_opens_at),
        "voting_closes_at": api.iso(process.voting_closes_at),
        "implementation_opens_at": api.iso(process.implementation_opens_at),
        "ballots": ballots.get(process.id),
        "url": external(path("budgeting.show", slug=process.slug)),
    }


def published_ballots(process_ids: list[int]) -> dict[int, int]:
    """Ballots counted in published results (one query); none before results."""
    if not process_ids:
        return {}
    return dict(
        db.session.execute(
            select(BudgetResult.process_id, BudgetResult.ballots).where(
                BudgetResult.process_id.in_(process_ids)
            )
        ).all()
    )


def proposal_json(proposal: BudgetProposal, process: BudgetProcess) -> dict:
    return {
        "id": proposal.id,
        "district_id": proposal.district_id,
        "title": proposal.title,
        "description": proposal.description,
        "location": proposal.location,
        "estimated_cost": proposal.estimated_cost,
        "official_cost": proposal.official_cost,
        "status": proposal.status.value,
        "review_reason": proposal.review_reason,
        "selected": proposal.selected,
        "implementation_status": proposal.implementation_status.value
        if proposal.implementation_status
        else None,
        "url": external(path("budgeting.proposal", slug=process.slug, proposal_id=proposal.id)),
    }


def results_json(process: BudgetProcess, snapshot: BudgetResult | None) -> dict | None:
    if snapshot is None:
        return None
    rule = snapshot.data.get("official_rule", process.rule.value)
    districts = []
    for key, district in snapshot.data.get("districts", {}).items():
        outcome = district["outcomes"].get(rule) or {}
        to_proposal = district.get("proposals", {})
        selected = set(outcome.get("selected", []))
        projects = []
        for tally_id, row in (outcome.get("results") or {}).items():
            if str(tally_id) not in to_proposal and tally_id not in to_proposal:
                continue
            projects.append(
                {
                    "proposal_id": int(to_proposal.get(str(tally_id), to_proposal.get(tally_id))),
                    "votes": int(row.get("votes") or 0),
                    "points": row.get("points"),
                    "cost": int(row.get("cost") or 0),
                    "selected": tally_id in selected or str(tally_id) in {str(s) for s in selected},
                    "rank": row.get("rank"),
                    "reason": row.get("reason"),
                }
            )
        projects.sort(key=lambda p: (p["rank"] is None, p["rank"] or 0, -p["votes"]))
        districts.append(
            {
                "district_id": None if key == budget_services.WHOLE else int(key),
                "budget": int(district.get("budget") or 0),
                "ballots": int(district.get("ballots") or 0),
                "total_cost": int(outcome.get("total_cost") or 0),
                "projects": projects,
            }
        )
    return {
        "computed_at": api.iso(snapshot.computed_at),
        "ballots": snapshot.ballots,
        "rule": rule,
        "districts": districts,
    }


@api.bp.get("/budgets")
def budgets():
    now = db.utcnow()
    organisation_id = api.parse_int("organisation_id", None, minimum=1)
    query = select(BudgetProcess)
    if organisation_id:
        query = query.where(BudgetProcess.organisation_id == organisation_id)
    page = api.paginate(
        query, [BudgetProcess.id], api.cursor_arg(), api.parse_limit(), descending=True, scope="api.budgets"
    )
    ballots = published_ballots([p.id for p in page.items])
    return api.page_response(page, [budget_json(p, now, ballots) for p in page.items])


@api.bp.get("/budgets/<int:process_id>")
def budget(process_id: int):
    process = db.session.get(BudgetProcess, process_id)
    if process is None:
        raise api.ApiError(_("There is no budget process with this id."), 404)
    proposals = db.session.scalars(
        select(BudgetProposal).where(BudgetProposal.process_id == process.id).order_by(BudgetProposal.id)
    ).all()
    snapshot = budget_services.result_snapshot(process)
    return {
        "process": budget_json(process, db.utcnow(), {process.id: snapshot.ballots} if snapshot else {}),
        "districts": [
            {"id": d.id, "name_th": d.name_th, "name_en": d.name_en, "budget": d.budget}
            for d in process.districts
        ],
        "proposals": [proposal_json(p, process) for p in proposals],
        "results": results_json(process, snapshot),
    }


def moderation_json(action: ModerationAction) -> dict:
    blocked = action.kind == ActionKind.block_user
    return {
        "id": action.id,
        "kind": action.kind.value,
        "created_at": api.iso(action.created_at),
        "target_type": None if blocked else action.target_type,
        "target_id": None if blocked else action.target_id,
        "reason": action.reason,
        "note": action.note,
        "until": api.iso(action.until),
        "appealed_action_id": action.appealed_action_id,
        "url": external(path("moderation.action", action_id=action.id)),
    }


@api.bp.get("/moderation/log")
def moderation_log():
    kind = choice("kind", [k.value for k in ActionKind])
    query = select(ModerationAction)
    if kind:
        query = query.where(ModerationAction.kind == ActionKind(kind))
    page = api.paginate(
        query,
        [ModerationAction.id],
        api.cursor_arg(),
        api.parse_limit(),
        descending=True,
        scope="api.moderation_log",
    )
    return api.page_response(page, [moderation_json(a) for a in page.items])


openapi.register_endpoint(
    "/budgets",
    endpoint="api.budgets",
    summary=_l("Budget processes"),
    description=_l("Participatory budgeting processes, newest first, with their phase now."),
    parameters=[
        openapi.query_param(
            "organisation_id", {"type": "integer"}, _l("Only this organisation's processes.")
        ),
        *openapi.cursor_params(),
    ],
    response=openapi.page_schema(BUDGET),
    tag="budgets",
)
openapi.register_endpoint(
    "/budgets/{process_id}",
    endpoint="api.budget",
    summary=_l("One budget process"),
    description=_l(
        "A process with its districts, every proposal with its review, and once published the results "
        "under the official rule: votes, cost, rank and whether each project was selected. Ballots are secret."
    ),
    parameters=[openapi.path_param("process_id", "integer", _l("The process's id."))],
    response=BUDGET_DETAIL,
    errors=(404,),
    tag="budgets",
)
openapi.register_endpoint(
    "/moderation/log",
    endpoint="api.moderation_log",
    summary=_l("Moderation log"),
    description=_l(
        "Every moderation decision, newest first, with its public reason. Account blocks never say whose account."
    ),
    parameters=[
        openapi.query_param(
            "kind",
            {"type": "string", "enum": [k.value for k in ActionKind]},
            _l("Only this kind of decision."),
        ),
        *openapi.cursor_params(),
    ],
    response=openapi.page_schema(MODERATION_ACTION),
    tag="moderation",
)
