"""Who may do what: authors edit, moderators review, the receiving organisation responds."""

from __future__ import annotations

import pytest

from participation import db as db_module
from participation.initiatives import services
from tests.initiatives.conftest import collecting, make_initiative


def _edit_data(initiative):
    return {
        "type_id": initiative.type_id,
        "title": "แก้ไขแล้ว",
        "summary": initiative.summary,
        "body": initiative.body,
        "duration_days": 30,
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [("citizen", 404), ("moderator", 403), ("agency_staff", 404), ("admin", 403), ("author", 302)],
)
def test_only_authors_edit_drafts(db, world, client_for, who, status):
    initiative = make_initiative(world)
    response = client_for(getattr(world, who)).post(
        f"/initiatives/{initiative.id}/edit", data=_edit_data(initiative)
    )
    assert response.status_code == status
    db.expire_all()
    assert (initiative.title == "แก้ไขแล้ว") == (status == 302)


def test_anonymous_is_sent_to_sign_in(db, world, client):
    initiative = collecting(world)
    for url in (f"/initiatives/{initiative.id}/sign", "/initiatives/new", "/initiatives/mine"):
        response = client.get(url)
        assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert client.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"}).status_code == 302
    assert services.public_count(initiative).total == 0


def test_unverified_accounts_cannot_start_initiatives(db, world, client_for):
    assert client_for(world.unverified).get("/initiatives/new").status_code == 403


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("citizen", False), ("author", False), ("agency_staff", False), ("moderator", True), ("admin", True)],
)
def test_only_moderators_review(db, world, client_for, who, allowed):
    initiative = make_initiative(world)
    services.submit(initiative, world.author, db_module.utcnow())
    db.commit()
    client = client_for(getattr(world, who))
    assert (client.get("/initiatives/review").status_code == 200) == allowed
    response = client.post(f"/initiatives/{initiative.id}/approve")
    assert response.status_code == (
        302 if allowed else 403 if who != "citizen" and who != "agency_staff" else 404
    )
    db.expire_all()
    assert (initiative.state.value == "collecting") == allowed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("citizen", False),
        ("author", False),
        ("moderator", False),
        ("admin", False),
        ("other_staff", False),
        ("parliament_staff", False),
        ("agency_staff", True),
    ],
)
def test_only_the_receiving_organisation_responds(db, world, client_for, who, allowed):
    now = db_module.utcnow()
    initiative = collecting(world, now=now, threshold=1)
    services.sign(initiative, world.citizen, now, consent=True)
    services.hand_over(initiative, world.author, now)
    db.commit()
    client = client_for(getattr(world, who))
    response = client.post(f"/initiatives/{initiative.id}/response", data={"text": "คำตอบของหน่วยงาน"})
    assert response.status_code == (302 if allowed else 403)
    response = client.post(f"/initiatives/{initiative.id}/export.csv")
    assert (response.status_code == 200) == allowed
    db.expire_all()
    assert (initiative.state.value == "responded") == allowed
