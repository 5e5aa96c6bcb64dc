"""Statistics of the platform: ``/statistics`` and ``/statistics/<organisation slug>``.

Every figure is an aggregate computed by the database (COUNT, AVG of date
differences, GROUP BY month), so a page costs a fixed number of queries
whatever the number of hearings, comments, initiatives or ballots. The
site-wide headline figures are also registered in
``participation.transparency.statistics`` (the registry other code reads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, render_template
from sqlalchemy import and_, func, literal_column, select

from participation import db
from participation.accounts.models import Organisation
from participation.budgeting.models import BudgetProcess, BudgetResult
from participation.comments.models import Comment, CommentStatus
from participation.hearings.models import Hearing, HearingDisposition, HearingStatus
from participation.i18n import _l, format_month, localized
from participation.initiatives.models import Initiative, InitiativeState
from participation.transparency import statistics
from participation.transparency.views import bp

#: Months shown in the trend charts.
TREND_MONTHS = 24


def _month(column):
    if db.database().is_sqlite:
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def _days_between(start, end):
    """SQL for the number of days (fractional) from ``start`` to ``end``."""
    if db.database().is_sqlite:
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / literal_column("86400.0")


def _org(query, column, organisation_id):
    return query.where(column == organisation_id) if organisation_id is not None else query


@dataclass
class Figure:
    key: str
    label: object
    value: int | float | None
    unit: str = ""


def _scalar(query) -> int:
    return db.session.scalar(query) or 0


def hearing_figures(now: datetime, organisation_id: int | None = None) -> list[Figure]:
    opened = _scalar(
        _org(
            select(func.count(Hearing.id)).where(
                Hearing.status != HearingStatus.draft, Hearing.opens_at <= now
            ),
            Hearing.organisation_id,
            organisation_id,
        )
    )
    hearing_comments = select(func.count(Comment.id)).where(
        Comment.subject_type == "hearing", Comment.status == CommentStatus.published
    )
    if organisation_id is not None:
        hearing_comments = hearing_comments.join(Hearing, Hearing.id == Comment.subject_id).where(
            Hearing.organisation_id == organisation_id
        )
    comments = _scalar(hearing_comments)
    # Answerable comments of hearings whose report is out, and how many have an answer.
    reported = (
        select(func.count(Comment.id), func.count(HearingDisposition.id))
        .join(Hearing, and_(Comment.subject_type == "hearing", Hearing.id == Comment.subject_id))
        .outerjoin(HearingDisposition, HearingDisposition.comment_id == Comment.id)
        .where(
            Hearing.status == HearingStatus.report_published,
            Comment.status == CommentStatus.published,
            Comment.parent_id.is_(None),
        )
    )
    reported = _org(reported, Hearing.organisation_id, organisation_id)
    in_reports, answered = db.session.execute(reported).one()
    delay = _org(
        select(func.avg(_days_between(Hearing.closes_at, Hearing.report_published_at))).where(
            Hearing.report_published_at.is_not(None)
        ),
        Hearing.organisation_id,
        organisation_id,
    )
    days = db.session.scalar(delay)
    return [
        Figure("hearings.opened", _l("Hearings opened"), opened),
        Figure("hearings.comments", _l("Comments received on hearings"), comments),
        Figure(
            "hearings.answered_share",
            _l("Comments answered in published reports"),
            round(100 * answered / in_reports, 1) if in_reports else None,
            "%",
        ),
        Figure(
            "hearings.days_to_report",
            _l("Average days from closing to the report"),
            round(float(days), 1) if days is not None else None,
        ),
    ]


def initiative_figures(now: datetime, organisation_id: int | None = None) -> list[Figure]:
    received = _scalar(
        _org(
            select(func.count(Initiative.id)).where(Initiative.submitted_at.is_not(None)),
            Initiative.organisation_id,
            organisation_id,
        )
    )
    handed_over = _scalar(
        _org(
            select(func.count(Initiative.id)).where(Initiative.handed_over_at.is_not(None)),
            Initiative.organisation_id,
            organisation_id,
        )
    )
    response_days = db.session.scalar(
        _org(
            select(func.avg(_days_between(Initiative.handed_over_at, Initiative.responded_at))).where(
                Initiative.responded_at.is_not(None), Initiative.handed_over_at.is_not(None)
            ),
            Initiative.organisation_id,
            organisation_id,
        )
    )
    overdue = _scalar(
        _org(
            select(func.count(Initiative.id)).where(
                Initiative.state == InitiativeState.handed_over, Initiative.response_due_at < now
            ),
            Initiative.organisation_id,
            organisation_id,
        )
    )
    return [
        Figure("initiatives.received", _l("Initiatives received"), received),
        Figure("initiatives.handed_over", _l("Initiatives handed over to the authority"), handed_over),
        Figure(
            "initiatives.response_days",
            _l("Average days from hand-over to the response"),
            round(float(response_days), 1) if response_days is not None else None,
        ),
        Figure("initiatives.overdue", _l("Responses overdue now"), overdue),
    ]


def budget_figures(now: datetime, organisation_id: int | None = None) -> list[Figure]:
    processes, ballots = db.session.execute(
        _org(
            select(
                func.count(func.distinct(BudgetProcess.id)), func.coalesce(func.sum(BudgetResult.ballots), 0)
            )
            .select_from(BudgetProcess)
            .outerjoin(BudgetResult, BudgetResult.process_id == BudgetProcess.id),
            BudgetProcess.organisation_id,
            organisation_id,
        )
    ).one()
    return [
        Figure("budgets.processes", _l("Participatory budget processes"), processes),
        Figure("budgets.ballots", _l("Ballots counted in published results"), ballots),
    ]


def ballots_per_process(organisation_id: int | None = None) -> list[tuple[str, int]]:
    rows = db.session.execute(
        _org(
            select(BudgetProcess, BudgetResult.ballots)
            .join(BudgetResult, BudgetResult.process_id == BudgetProcess.id)
            .order_by(BudgetProcess.voting_closes_at.desc())
            .limit(20),
            BudgetProcess.organisation_id,
            organisation_id,
        )
    ).all()
    return [(localized(p, "title"), n) for p, n in rows]


def _per_month(column, query, now: datetime) -> list[tuple[str, int]]:
    """Counts per month (``YYYY-MM``) for the last TREND_MONTHS months, empty months as 0."""
    since = now - timedelta(days=31 * TREND_MONTHS)
    month = _month(column).label("month")
    rows = {
        m: n
        for n, m in db.session.execute(
            query.add_columns(month).where(column >= since, column <= now).group_by(month).order_by(month)
        ).all()
        if m
    }
    if not rows:
        return []
    first = min(rows)
    series, year, mon = [], int(first[:4]), int(first[5:7])
    last = now.strftime("%Y-%m")
    while f"{year:04d}-{mon:02d}" <= last:
        key = f"{year:04d}-{mon:02d}"
        series.append((key, rows.get(key, 0)))
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return series


def trends(now: datetime, organisation_id: int | None = None) -> dict[str, list[tuple[str, int]]]:
    hearings = _org(
        select(func.count(Hearing.id)).where(Hearing.status != HearingStatus.draft),
        Hearing.organisation_id,
        organisation_id,
    )
    comments = select(func.count(Comment.id)).where(
        Comment.subject_type == "hearing", Comment.status == CommentStatus.published
    )
    if organisation_id is not None:
        comments = comments.join(Hearing, Hearing.id == Comment.subject_id).where(
            Hearing.organisation_id == organisation_id
        )
    initiatives = _org(select(func.count(Initiative.id)), Initiative.organisation_id, organisation_id)
    return {
        "hearings": _per_month(Hearing.opens_at, hearings, now),
        "comments": _per_month(Comment.created_at, comments, now),
        "initiatives": _per_month(Initiative.submitted_at, initiatives, now),
    }


def _render(organisation: Organisation | None):
    now = db.utcnow()
    org_id = organisation.id if organisation else None
    groups = [
        (_l("Public hearings"), hearing_figures(now, org_id)),
        (_l("Citizen initiatives"), initiative_figures(now, org_id)),
        (_l("Participatory budgeting"), budget_figures(now, org_id)),
    ]
    organisations = db.session.execute(
        select(Organisation.slug, Organisation).order_by(Organisation.slug)
    ).all()
    return render_template(
        "transparency/statistics.html",
        organisation=organisation,
        organisations=[o for _slug, o in organisations],
        groups=groups,
        platform=[(st, v) for st, v in statistics.compute_all(now) if st.group == "platform"]
        if organisation is None
        else [],
        trends={
            name: [(format_month(key), count) for key, count in series]
            for name, series in trends(now, org_id).items()
        },
        ballots=ballots_per_process(org_id),
    )


@bp.get("/statistics", endpoint="statistics")
def statistics_page():
    return _render(None)


@bp.get("/statistics/<slug>")
def organisation_statistics(slug: str):
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug[:100]))
    if organisation is None:
        abort(404)
    return _render(organisation)


def _registered(maker, key):
    def compute(now):
        return next(f.value for f in maker(now) if f.key == key) or 0

    return compute


for _order, (_key, _label, _maker) in enumerate(
    (
        ("hearings.opened", _l("Hearings opened"), hearing_figures),
        ("hearings.comments", _l("Comments received on hearings"), hearing_figures),
        ("initiatives.received", _l("Initiatives received"), initiative_figures),
        ("initiatives.overdue", _l("Responses overdue now"), initiative_figures),
        ("budgets.ballots", _l("Ballots counted in published results"), budget_figures),
    )
):
    statistics.register_statistic(
        _key, label=_label, compute=_registered(_maker, _key), group=_key.split(".")[0], order=_order
    )
