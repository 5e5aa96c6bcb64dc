"""Shared set-up for initiative tests: organisations, the standard types, people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from participation import db as db_module
from participation.accounts.models import MembershipRole, Organisation, OrganisationKind, User
from participation.initiatives import services
from participation.initiatives.models import Initiative, InitiativeType
from tests.factories import PASSWORD, valid_national_id


@dataclass
class World:
    parliament: Organisation
    agency: Organisation
    other_agency: Organisation
    bill: InitiativeType
    amendment: InitiativeType
    petition: InitiativeType
    author: User
    coauthor: User
    citizen: User
    nid_citizen: User
    unverified: User
    moderator: User
    admin: User
    parliament_staff: User
    agency_staff: User
    other_staff: User


@pytest.fixture
def world(db, factory) -> World:
    parliament = factory.organisation(slug="parliament", kind=OrganisationKind.parliament)
    agency = factory.organisation(slug="pcd")
    other = factory.organisation(slug="moi")
    bill, amendment, petition = services.seed_standard_types(parliament, agency)
    db.commit()
    return World(
        parliament=parliament,
        agency=agency,
        other_agency=other,
        bill=bill,
        amendment=amendment,
        petition=petition,
        author=factory.user(name="ผู้เขียน หลัก", national_id=valid_national_id("110170020345")),
        coauthor=factory.user(name="ผู้ร่วมเขียน"),
        citizen=factory.user(name="พลเมือง อีเมล"),
        nid_citizen=factory.user(name="พลเมือง บัตร", national_id=valid_national_id("310060012345")),
        unverified=factory.user(name="ยังไม่ยืนยัน", verified=False),
        moderator=factory.user(moderator=True),
        admin=factory.user(admin=True),
        parliament_staff=factory.staff(parliament, MembershipRole.editor),
        agency_staff=factory.staff(agency, MembershipRole.editor),
        other_staff=factory.staff(other, MembershipRole.admin),
    )


def make_initiative(
    world: World, initiative_type=None, *, author=None, days=30, title="ขอให้เพิ่มสวนสาธารณะ"
) -> Initiative:
    initiative_type = initiative_type or world.petition
    author = author or world.author
    initiative = services.create_initiative(
        author,
        initiative_type,
        title=title,
        summary="สรุปข้อเสนอสั้น ๆ",
        body="## เหตุผล\n\nเมืองต้องการพื้นที่สีเขียวมากขึ้น",
        topic="สิ่งแวดล้อม",
        duration_days=days,
    )
    db_module.session.commit()
    return initiative


def collecting(world: World, initiative_type=None, *, now=None, threshold=None, **kwargs) -> Initiative:
    """A published initiative collecting signatures (threshold optionally lowered for the test)."""
    now = now or db_module.utcnow()
    initiative = make_initiative(world, initiative_type, **kwargs)
    services.submit(initiative, initiative.authors[0].user, now - timedelta(minutes=5))
    services.approve(initiative, world.moderator, now - timedelta(minutes=1))
    if threshold is not None:
        initiative.threshold = threshold
    db_module.session.commit()
    return initiative


@pytest.fixture
def client_for(app):
    """A fresh test client signed in as ``user``."""

    def _client(user):
        client = app.test_client()
        response = client.post("/signin", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return _client


def ledger_kinds(kind: str) -> list:
    from sqlalchemy import select

    from participation.transparency.models import LedgerEntry

    return db_module.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == kind).order_by(LedgerEntry.seq)
    ).all()


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    """These tests create a dozen accounts each; scrypt's deliberate slowness is
    tested by the accounts suite, not needed here."""
    from werkzeug.security import generate_password_hash

    from participation.accounts import services as account_services

    monkeypatch.setattr(
        account_services,
        "hash_password",
        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"),
    )
