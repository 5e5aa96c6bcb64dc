"""Who may do what: anonymous, citizen, another agency's staff, co-host, own staff, moderator, admin."""

from __future__ import annotations

from datetime import timedelta

import pytest

from participation.accounts.models import MembershipRole
from participation.hearings import services
from participation.hearings.models import HearingStatus


@pytest.fixture
def people(factory, agency):
    other = factory.organisation(slug="other-agency")
    cohost = factory.organisation(slug="cohost-agency")
    return {
        "citizen": factory.user(),
        "other_staff": factory.staff(other),
        "cohost_staff": factory.staff(cohost),
        "own_editor": factory.staff(agency, MembershipRole.editor),
        "own_admin": factory.staff(agency, MembershipRole.admin),
        "moderator": factory.user(moderator=True),
        "site_admin": factory.user(admin=True),
        "cohost": cohost,
    }


def as_(client, login, person):
    client.post("/signout")
    if person is not None:
        login(person)


STAFF_PAGES = ["/edit", "/text", "/questions", "/attachments/new"]


def test_draft_is_invisible_to_the_public(client, login, hearings, agency, staff, people):
    hearing = hearings.draft(agency, staff, co_host_ids=[people["cohost"].id])
    url = f"/hearings/{hearing.id}"
    for who in (None, "citizen", "other_staff", "moderator", "site_admin"):
        as_(client, login, people.get(who))
        assert client.get(url).status_code == 404, who
        for page in STAFF_PAGES:
            assert client.get(url + page).status_code in (302, 404), (who, page)
    # A co-host reads the draft but may not edit it.
    as_(client, login, people["cohost_staff"])
    assert client.get(url).status_code == 200
    assert client.get(url + "/edit").status_code == 403
    assert client.post(url + "/schedule").status_code == 403
    # The lead organisation's editors and admins may do everything.
    for who in ("own_editor", "own_admin"):
        as_(client, login, people[who])
        assert client.get(url).status_code == 200
        for page in STAFF_PAGES:
            assert client.get(url + page).status_code == 200, (who, page)


def test_staff_actions_refused_to_others_once_public(client, login, hearings, agency, staff, people, db):
    hearing = hearings.open(agency, staff)
    url = f"/hearings/{hearing.id}"
    as_(client, login, None)
    assert client.get(url).status_code == 200
    assert (
        client.post(url + "/extend", data={"closes_at": "2027-06-01T10:00", "reason": "x"}).status_code == 302
    )
    for who in ("citizen", "other_staff", "moderator", "site_admin"):
        as_(client, login, people[who])
        assert client.get(url).status_code == 200
        assert (
            client.post(url + "/extend", data={"closes_at": "2027-06-01T10:00", "reason": "x"}).status_code
            == 403
        )
        assert client.post(url + "/versions").status_code == 403
        assert client.get(url + "/dispositions").status_code == 403
        assert client.post(url + "/report", data={"summary": "x", "action": "publish"}).status_code in (
            403,
            404,
        )
    db.refresh(hearing)
    assert not hearing.extensions
    as_(client, login, people["own_editor"])
    response = client.post(url + "/extend", data={"closes_at": "2027-06-01T10:00", "reason": "ขยายเวลา"})
    assert response.status_code == 302
    db.refresh(hearing)
    assert len(hearing.extensions) == 1


def test_create_is_for_staff_of_the_chosen_organisation(client, login, agency, people, db):
    data = {
        "organisation_id": agency.id,
        "title_th": "ร่าง",
        "summary_th": "สรุป",
        "kind": "draft_law",
        "law_type": "act",
        "contact": "โทร",
        "required_level": "1",
        "opens_at": "2026-12-10T09:00",
        "closes_at": "2027-01-10T09:00",
    }
    as_(client, login, None)
    assert client.get("/hearings/new").status_code == 302  # to sign in
    as_(client, login, people["citizen"])
    assert client.get("/hearings/new").status_code == 403
    # Another agency's staff cannot create for this agency (not among their choices).
    as_(client, login, people["other_staff"])
    assert client.post("/hearings/new", data=data).status_code == 422
    from sqlalchemy import func, select

    from participation.hearings.models import Hearing

    assert db.scalar(select(func.count()).select_from(Hearing)) == 0
    as_(client, login, people["own_editor"])
    assert client.post("/hearings/new", data=data).status_code == 302
    assert db.scalar(select(func.count()).select_from(Hearing)) == 1


def test_commenting_needs_an_open_hearing_and_identity(
    client, login, hearings, agency, staff, factory, db, clock
):
    hearing = hearings.open(agency, staff, required_level=2)
    from participation.hearings.permissions import can_participate, participation_refusal

    citizen = factory.user()
    assert participation_refusal(None, hearing, clock.now) == "sign_in"
    assert participation_refusal(citizen, hearing, clock.now) == "identity"
    from tests.factories import valid_national_id

    strong = factory.user(national_id=valid_national_id("110170020345"))
    assert can_participate(strong, hearing, clock.now)
    assert not can_participate(strong, hearing, hearing.closes_at)
    unverified = factory.user(verified=False)
    hearing.required_level = 1
    assert participation_refusal(unverified, hearing, clock.now) == "identity"


def test_status_enum_is_guarded(hearings, agency, staff, clock):
    hearing = hearings.draft(agency, staff)
    for action in (services.unschedule,):
        with pytest.raises(services.HearingError):
            action(hearing, staff, clock.now)
    with pytest.raises(services.HearingError):
        services.publish_report(hearing, "สรุป", staff, clock.now)
    with pytest.raises(services.HearingError):
        services.extend(hearing, hearing.closes_at + timedelta(days=1), "x", staff, clock.now)
    assert hearing.status == HearingStatus.draft
