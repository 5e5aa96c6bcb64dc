"""Editing a process after creation: who may, what may change in each phase, the public record."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from participation.accounts.models import MembershipRole
from participation.budgeting import services
from participation.budgeting.models import (
    BudgetCategory,
    BudgetDistrict,
    BudgetProcess,
    BudgetProposal,
    Phase,
    ProposalStatus,
)
from participation.i18n import BANGKOK
from participation.transparency.models import LedgerEntry

ALL_PHASES = list(Phase)
BEFORE_VOTING = [Phase.upcoming, Phase.proposals, Phase.review]
FROM_VOTING = [Phase.voting, Phase.results, Phase.implementation]


def local(moment: datetime) -> str:
    """A stored UTC moment as the form shows it (Bangkok time, minutes)."""
    return moment.astimezone(BANGKOK).strftime("%Y-%m-%dT%H:%M")


def snapshot(db, process_id: int) -> dict:
    """Everything stored about a process (to prove what did not change)."""
    db.expire_all()
    process = db.get(BudgetProcess, process_id)
    columns = {c.name: getattr(process, c.key) for c in BudgetProcess.__table__.columns}
    columns.pop("updated_at", None)
    return {
        **columns,
        "districts": [(d.id, d.name_th, d.name_en, d.budget) for d in process.districts],
        "categories": [(c.id, c.name_th, c.name_en) for c in process.categories],
    }


def edits(db, process_id: int) -> list[dict]:
    rows = db.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.kind == "budget.process_edited", LedgerEntry.subject_id == process_id)
        .order_by(LedgerEntry.seq)
    ).all()
    return [json.loads(row.payload) for row in rows]


def ledger_size(db) -> int:
    return db.scalar(select(func.count()).select_from(LedgerEntry))


class _FormValues(HTMLParser):
    """What a browser would send from the page's process form (``form.stacked-form``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._inside = self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = "stacked-form" in (attrs.get("class") or "")
        if not self._inside:
            return
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "checkbox", "radio"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and (self._select not in self.values or "selected" in attrs):
            self.values[self._select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            # Browsers drop the one newline right after <textarea>.
            name = self._textarea
            self.values[name] = self.values[name].removeprefix("\r\n").removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


@pytest.fixture
def edit_url():
    return lambda process: f"/budgets/{process.slug}/edit"


@pytest.fixture
def edit(client, edit_url):
    """Open the edit page, change ``changes`` in the form as shown, and send it (like a browser)."""

    def send(process, **changes):
        page = client.get(edit_url(process))
        assert page.status_code == 200
        return client.post(edit_url(process), data={**form_values(page.get_data(as_text=True)), **changes})

    return send


# --- who may edit ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "org_admin", "site_admin"])
def test_the_organisation_staff_and_site_admins_may_edit(who, client, login, factory, budget, edit_url):
    process = budget.process(Phase.proposals)
    if who == "editor":
        user = budget.staff
    elif who == "org_admin":
        user = factory.staff(budget.organisation, role=MembershipRole.admin, locale="en")
    else:
        user = factory.user(admin=True, locale="en")
    login(user)
    page = client.get(f"/budgets/{process.slug}").get_data(as_text=True)
    assert f'href="{edit_url(process)}"' in page
    form = client.get(edit_url(process))
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "งบประมาณแบบมีส่วนร่วม ทดสอบ" in html
    assert local(process.voting_opens_at) in html
    assert 'name="slug"' not in html and 'name="organisation_id"' not in html


@pytest.mark.parametrize("who", ["anonymous", "citizen", "moderator", "other_staff"])
def test_everyone_else_is_refused_and_nothing_changes(who, client, login, factory, budget, db, edit_url):
    process = budget.process(Phase.proposals)
    if who == "citizen":
        login(factory.user())
    elif who == "moderator":
        login(factory.user(moderator=True))
    elif who == "other_staff":
        login(factory.staff(factory.organisation(slug="other-office")))
    before, entries = snapshot(db, process.id), ledger_size(db)
    page = client.get(f"/budgets/{process.slug}").get_data(as_text=True)
    assert edit_url(process) not in page
    expected = 302 if who == "anonymous" else 403
    assert client.get(edit_url(process)).status_code == expected
    response = client.post(edit_url(process), data={"title_th": "ชื่อที่ไม่ควรถูกบันทึก"})
    assert response.status_code == expected
    if who == "anonymous":
        assert "/signin" in response.headers["Location"]
    assert snapshot(db, process.id) == before and ledger_size(db) == entries


def test_unknown_process_is_404(client, login, budget):
    login(budget.staff)
    assert client.get("/budgets/no-such-process/edit").status_code == 404


# --- texts, any time ----------------------------------------------------------------------


@pytest.mark.parametrize("phase", ALL_PHASES)
def test_texts_can_be_edited_in_every_phase_and_each_edit_is_public(phase, client, login, db, budget, edit):
    process = budget.process(phase)
    login(budget.staff)
    before = snapshot(db, process.id)
    response = edit(
        process, title_th="งบประมาณแบบมีส่วนร่วม เขตบางรัก (แก้คำผิด)", description_en="Corrected description"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/budgets/{process.slug}")
    after = snapshot(db, process.id)
    assert after["title_th"] == "งบประมาณแบบมีส่วนร่วม เขตบางรัก (แก้คำผิด)"
    assert after["description_en"] == "Corrected description"
    assert {k: v for k, v in after.items() if k not in ("title_th", "description_en")} == {
        k: v for k, v in before.items() if k not in ("title_th", "description_en")
    }
    [payload] = edits(db, process.id)
    assert payload["process"] == process.slug and payload["phase"] == phase.value
    assert payload["changes"] == {
        "title_th": {"from": "งบประมาณแบบมีส่วนร่วม ทดสอบ", "to": "งบประมาณแบบมีส่วนร่วม เขตบางรัก (แก้คำผิด)"},
        "description_en": {"from": None, "to": "Corrected description"},
    }
    assert budget.staff.email not in json.dumps(payload, ensure_ascii=False)
    page = client.get(f"/budgets/{process.slug}").get_data(as_text=True)
    assert "The changes were saved and recorded in the public ledger." in page
    assert "Changes to this process" in page
    assert "Title (Thai), Description (English)" in page


def test_the_unchanged_form_changes_nothing_and_records_nothing(client, login, db, budget, edit_url, edit):
    process = budget.process(Phase.review, districts=[("สีลม", "Si Lom", 600_000), ("สุริยวงศ์", None, 400_000)])
    db.add(BudgetCategory(process_id=process.id, name_th="ถนน", name_en="Roads"))
    db.commit()
    login(budget.staff)
    before, entries = snapshot(db, process.id), ledger_size(db)
    assert before["proposals_opens_at"].second or before["proposals_opens_at"].microsecond  # not minutes
    shown = form_values(client.get(edit_url(process)).get_data(as_text=True))
    assert shown == {
        "title_th": before["title_th"],
        "title_en": before["title_en"],
        "description_th": before["description_th"],
        "description_en": "",
        "total_budget": str(before["total_budget"]),
        "currency": "THB",
        **{name: local(before[name]) for _phase, name in services.PHASE_STARTS},
        "districts": "สีลม | Si Lom | 600000\nสุริยวงศ์ |  | 400000",
        "categories": "ถนน | Roads",
        "propose_level": "1",
        "vote_level": "2",
        "ballot_type": "approval",
        "max_choices": "3",
        "max_points": "",
        "rule": "greedy",
    }
    # Browsers send text areas with CRLF line ends.
    response = edit(process, districts=shown["districts"].replace("\n", "\r\n"))
    assert response.status_code == 302
    assert snapshot(db, process.id) == before and ledger_size(db) == entries
    assert "Nothing was changed." in client.get(f"/budgets/{process.slug}").get_data(as_text=True)


# --- settings, only before voting ----------------------------------------------------------

#: One change of each ballot setting (form field: new value).
SETTINGS = {
    "total_budget": "2000000",
    "currency": "usd",
    "ballot_type": "knapsack",
    "rule": "mes",
    "propose_level": "2",
    "vote_level": "3",
}


@pytest.mark.parametrize("phase", BEFORE_VOTING)
@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_ballot_settings_can_change_before_voting(setting, phase, client, login, db, budget, edit):
    process = budget.process(phase)
    login(budget.staff)
    response = edit(process, **{setting: SETTINGS[setting]})
    assert response.status_code == 302, response.get_data(as_text=True)
    [payload] = edits(db, process.id)
    assert setting in payload["changes"]


@pytest.mark.parametrize("phase", FROM_VOTING)
@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_ballot_settings_are_refused_once_voting_opened(setting, phase, client, login, db, budget, edit):
    process = budget.process(phase)
    login(budget.staff)
    before, entries = snapshot(db, process.id), ledger_size(db)
    response = edit(process, **{setting: SETTINGS[setting]}, title_en="Typed but not saved")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Voting has opened: the budget, currency, ballot" in html
    assert f'id="{setting}-error"' in html  # next to the field
    # What was typed is kept.
    kept = form_values(html)
    assert kept[setting] == SETTINGS[setting] and kept["title_en"] == "Typed but not saved"
    assert snapshot(db, process.id) == before and ledger_size(db) == entries


def test_district_budgets_are_fixed_once_voting_opened_but_english_names_are_not(
    client, login, db, budget, edit
):
    process = budget.process(Phase.voting, districts=[("สีลม", "Silom", 600_000), ("สุริยวงศ์", None, 400_000)])
    login(budget.staff)
    before = snapshot(db, process.id)
    moved = edit(process, districts="สีลม | Si Lom | 500000\nสุริยวงศ์ | Suriyawong | 500000")
    assert moved.status_code == 422
    assert "Voting has opened" in moved.get_data(as_text=True)
    assert "สีลม | Si Lom | 500000" in moved.get_data(as_text=True)
    assert snapshot(db, process.id) == before
    renamed = edit(process, districts="สีลม | Si Lom | 600000\nสุริยวงศ์ | Suriyawong | 400000")
    assert renamed.status_code == 302
    after = snapshot(db, process.id)
    assert after["districts"] == [
        (before["districts"][0][0], "สีลม", "Si Lom", 600_000),
        (before["districts"][1][0], "สุริยวงศ์", "Suriyawong", 400_000),
    ]
    [payload] = edits(db, process.id)
    assert payload["changes"]["districts"]["to"] == [
        ["สีลม", "Si Lom", 600000],
        ["สุริยวงศ์", "Suriyawong", 400000],
    ]


REFUSALS = {
    "settings_locked": (
        {"total_budget": "2000000"},
        "Voting has opened: the budget, currency, ballot, counting rule, districts",
        "เพราะจะทำให้ความหมายของบัตรที่ลงคะแนนไปแล้วเปลี่ยนไป",
    ),
    "date_in_past": (
        {"voting_closes_at": local(datetime.now(UTC) - timedelta(minutes=5))},
        "This date has not come yet and people rely on it",
        "วันนี้ยังมาไม่ถึงและประชาชนยึดถือตามที่ประกาศไว้",
    ),
    "phase_started": (
        {"voting_opens_at": local(datetime.now(UTC) + timedelta(days=2))},
        "This phase has already started, so its start cannot be moved",
        "ขั้นตอนนี้เริ่มแล้ว จึงเลื่อนวันเริ่มต้นไปเป็นเวลาที่ยังมาไม่ถึงไม่ได้",
    ),
}


@pytest.mark.parametrize("locale", ["th", "en"])
@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_refusals_are_in_the_reader_language(refusal, locale, client, login, db, factory, budget, edit):
    process = budget.process(Phase.voting)
    login(factory.staff(budget.organisation, locale=locale))
    before, entries = snapshot(db, process.id), ledger_size(db)
    changes, english, thai = REFUSALS[refusal]
    response = edit(process, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    expected, other = (thai, english) if locale == "th" else (english, thai)
    assert expected in html and other not in html
    assert snapshot(db, process.id) == before and ledger_size(db) == entries


@pytest.mark.parametrize(
    ("locale", "rule"),
    [
        ("en", "A date that has not come yet can be moved, but not into the past"),
        ("th", "วันที่ที่ยังมาไม่ถึงเลื่อนได้ แต่เลื่อนไปเป็นเวลาที่ผ่านไปแล้วไม่ได้"),
    ],
)
@pytest.mark.parametrize("phase", [Phase.proposals, Phase.voting])
def test_the_edit_page_explains_the_date_rule_before_anyone_is_refused(
    phase, locale, rule, client, login, factory, budget, edit_url
):
    process = budget.process(phase)
    login(factory.staff(budget.organisation, locale=locale))
    assert rule in client.get(edit_url(process)).get_data(as_text=True)


# --- phase dates ---------------------------------------------------------------------------


def test_started_phases_cannot_start_in_the_future(client, login, db, budget, edit):
    process = budget.process(Phase.review)
    login(budget.staff)
    before, entries = snapshot(db, process.id), ledger_size(db)
    tomorrow = local(datetime.now(UTC) + timedelta(days=1))
    response = edit(
        process, review_opens_at=tomorrow, voting_opens_at=local(datetime.now(UTC) + timedelta(days=3))
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This phase has already started" in html and tomorrow in html
    assert 'id="review_opens_at-error"' in html
    assert snapshot(db, process.id) == before and ledger_size(db) == entries


@pytest.mark.parametrize(
    ("phase", "name"), [(Phase.voting, "voting_closes_at"), (Phase.review, "voting_opens_at")]
)
def test_dates_still_ahead_cannot_move_into_the_past(phase, name, client, login, db, budget, edit):
    """Voting cannot be closed, nor a phase opened, retroactively: residents rely on the dates."""
    process = budget.process(phase)
    login(budget.staff)
    before, entries = snapshot(db, process.id), ledger_size(db)
    response = edit(process, **{name: local(datetime.now(UTC) - timedelta(minutes=1))})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "people rely on it" in html and f'id="{name}-error"' in html
    assert snapshot(db, process.id) == before and ledger_size(db) == entries
    soon = datetime.now(UTC) + timedelta(hours=1)
    assert edit(process, **{name: local(soon)}).status_code == 302  # still ahead: allowed
    assert local(snapshot(db, process.id)[name]) == local(soon)


def test_dates_out_of_order_are_refused(client, login, db, budget, edit):
    process = budget.process(Phase.upcoming)
    login(budget.staff)
    before = snapshot(db, process.id)
    response = edit(process, voting_closes_at=local(process.voting_opens_at))
    assert response.status_code == 422
    assert "The phases must follow each other" in response.get_data(as_text=True)
    assert snapshot(db, process.id) == before


@pytest.mark.parametrize("phase", [Phase.voting, Phase.results])
def test_later_phases_can_be_moved_after_voting_opened(phase, client, login, db, budget, edit):
    process = budget.process(phase)
    login(budget.staff)
    later = process.implementation_opens_at + timedelta(days=30)
    data = {"implementation_opens_at": local(later)}
    if phase == Phase.voting:
        data["voting_closes_at"] = local(process.voting_closes_at + timedelta(days=7))  # voting extended
    response = edit(process, **data)
    assert response.status_code == 302
    after = snapshot(db, process.id)
    assert local(after["implementation_opens_at"]) == local(later)
    [payload] = edits(db, process.id)
    assert set(payload["changes"]) == set(data)
    assert payload["changes"]["implementation_opens_at"]["to"].startswith(
        later.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    )
    assert db.get(BudgetProcess, process.id).phase_at(datetime.now(UTC)) == phase


def test_voting_cannot_be_reopened_later_once_open(client, login, db, budget, edit):
    process = budget.process(Phase.voting)
    login(budget.staff)
    response = edit(process, voting_opens_at=local(datetime.now(UTC) + timedelta(days=1)))
    assert response.status_code == 422
    assert db.get(BudgetProcess, process.id).phase_at(datetime.now(UTC)) == Phase.voting


# --- districts, categories and proposals ---------------------------------------------------


def _proposal(db, process, district=None, category=None, cost=300_000, status=ProposalStatus.submitted):
    proposal = BudgetProposal(
        process_id=process.id,
        district_id=district.id if district else None,
        category_id=category.id if category else None,
        title="ทางเท้า",
        estimated_cost=cost,
        status=status,
        review_reason="เหตุผล" if status == ProposalStatus.not_feasible else None,
    )
    db.add(proposal)
    db.commit()
    return proposal


def test_districts_are_fixed_once_proposals_exist_and_budgets_cover_them(client, login, db, budget, edit):
    process = budget.process(
        Phase.proposals, districts=[("สีลม", "Si Lom", 600_000), ("สุริยวงศ์", None, 400_000)]
    )
    silom = db.scalar(select(BudgetDistrict).where(BudgetDistrict.name_th == "สีลม"))
    _proposal(db, process, district=silom, cost=500_000)
    login(budget.staff)
    before = snapshot(db, process.id)
    removed = edit(process, districts="สีลม | Si Lom | 1000000")
    assert removed.status_code == 422
    assert "Districts cannot be added, removed or renamed" in removed.get_data(as_text=True)
    too_small = edit(process, districts="สีลม | Si Lom | 400000\nสุริยวงศ์ | | 600000")
    assert too_small.status_code == 422
    assert "A proposal already submitted costs 500,000, more than this budget." in too_small.get_data(
        as_text=True
    )
    assert snapshot(db, process.id) == before
    ok = edit(process, districts="สีลม | Si Lom | 500000\nสุริยวงศ์ | | 500000")
    assert ok.status_code == 302
    assert [d[3] for d in snapshot(db, process.id)["districts"]] == [500_000, 500_000]


def test_total_budget_covers_the_costliest_proposal_still_running(client, login, db, budget, edit):
    process = budget.process(Phase.review)
    _proposal(db, process, cost=900_000, status=ProposalStatus.not_feasible)
    _proposal(db, process, cost=400_000)
    login(budget.staff)
    assert edit(process, total_budget="300000").status_code == 422
    assert edit(process, total_budget="400000").status_code == 302
    assert db.get(BudgetProcess, process.id).total_budget == 400_000


def test_districts_can_be_reshaped_while_no_proposal_exists(client, login, db, budget, edit):
    process = budget.process(Phase.upcoming)
    login(budget.staff)
    response = edit(process, districts="สีลม | Si Lom | 700000\nบางรัก | Bang Rak | 300000")
    assert response.status_code == 302
    assert [(d[1], d[3]) for d in snapshot(db, process.id)["districts"]] == [
        ("สีลม", 700_000),
        ("บางรัก", 300_000),
    ]
    wrong_sum = edit(process, districts="สีลม | Si Lom | 1")
    assert wrong_sum.status_code == 422
    assert "The district budgets must add up to the total budget." in wrong_sum.get_data(as_text=True)


def test_categories_can_change_any_time_but_not_lose_their_proposals(client, login, db, budget, edit):
    process = budget.process(Phase.results)
    roads = BudgetCategory(process_id=process.id, name_th="ถนน", name_en="Roads")
    parks = BudgetCategory(process_id=process.id, name_th="สวน", name_en=None)
    db.add_all([roads, parks])
    db.commit()
    _proposal(db, process, category=roads)
    login(budget.staff)
    refused = edit(process, categories="สวน | Parks")
    assert refused.status_code == 422
    assert "The category ถนน is used by proposals and cannot be removed." in refused.get_data(as_text=True)
    ok = edit(process, categories="ถนน | Roads and footpaths\nแสงสว่าง | Lighting")
    assert ok.status_code == 302
    assert [(c[1], c[2]) for c in snapshot(db, process.id)["categories"]] == [
        ("ถนน", "Roads and footpaths"),
        ("แสงสว่าง", "Lighting"),
    ]
    [payload] = edits(db, process.id)
    assert payload["changes"] == {
        "categories": {
            "from": [["ถนน", "Roads"], ["สวน", None]],
            "to": [["ถนน", "Roads and footpaths"], ["แสงสว่าง", "Lighting"]],
        }
    }


# --- the service, directly -----------------------------------------------------------------


def _settings(process, **overrides):
    return {**services.current_settings(process), **overrides}


def test_service_checks_the_same_settings_as_creation(db, budget):
    process = budget.process(Phase.upcoming)
    for overrides, code in [
        ({"total_budget": 0}, "budget_not_positive"),
        ({"ballot_type": "cumulative", "max_points": None}, "points_needed"),
        ({"ballot_type": "cumulative", "max_points": 10, "rule": "mes"}, "mes_needs_approval"),
        (
            {"districts": [services.DistrictSpec("ก", None, 1), services.DistrictSpec("ก", None, 999_999)]},
            "district_twice",
        ),
    ]:
        with pytest.raises(services.BudgetError) as refused:
            services.update_process(process, **_settings(process, **overrides), actor=budget.staff)
        assert refused.value.code == code
    db.rollback()
    assert services.update_process(process, **_settings(process), actor=budget.staff) == {}


def test_a_refused_edit_changes_nothing_even_in_the_session(db, budget):
    process = budget.process(Phase.voting)
    before = snapshot(db, process.id)
    with pytest.raises(services.BudgetError) as refused:
        services.update_process(
            process,
            **_settings(process, title_th="ชื่อใหม่", total_budget=5_000_000),
            actor=budget.staff,
        )
    assert refused.value.code == "settings_locked" and refused.value.details["fields"] == ["total_budget"]
    assert process.title_th == before["title_th"] and process.total_budget == before["total_budget"]


def test_the_budget_feed_shows_the_edit(client, login, db, budget, edit):
    process = budget.process(Phase.proposals)
    login(budget.staff)
    edit(process, title_en="Bang Rak participatory budget 2570")
    feed = client.get(f"/feeds/budgets/{process.id}.atom", headers={"Accept-Language": "en"})
    assert feed.status_code == 200
    assert "Budget process edited" in feed.get_data(as_text=True)


# --- followers ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["th", "en"])
def test_followers_are_told_when_a_date_moves_and_not_for_text_edits(
    locale, client, login, db, factory, budget, edit
):
    from participation.notifications import services as notifications
    from participation.notifications.models import OutboxMessage

    process = budget.process(Phase.proposals)
    follower = factory.user(email="resident@example.org", locale=locale)
    notifications.follow(follower, "budget_process", process.id)
    db.commit()

    def emails() -> list[OutboxMessage]:
        db.expire_all()
        return db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == "resident@example.org")
            .where(OutboxMessage.kind == "notifications/event")
        ).all()

    login(budget.staff)
    assert edit(process, title_en="Test participatory budget, corrected").status_code == 302
    assert emails() == []

    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=4, hours=12)
    assert edit(process, voting_closes_at=local(later)).status_code == 302
    [email] = emails()
    when = later.astimezone(BANGKOK)
    if locale == "en":
        assert email.subject.startswith("Budget dates changed")
        assert f"Voting closes on {when.day} {when:%B} {when.year}, {when:%H:%M}." in email.body_text
    else:
        assert email.subject.startswith("เปลี่ยนกำหนดการงบประมาณ")
        assert f"ปิดการลงคะแนนวันที่ {when.day} " in email.body_text and str(when.year + 543) in email.body_text


def test_every_phase_date_is_one_the_followers_email_can_name():
    """The email lists moved dates by name: a new phase date must get its sentence there too."""
    from participation.notifications.dispatch import BUDGET_DATES

    assert set(BUDGET_DATES) == {name for _phase, name in services.PHASE_STARTS}
