"""Signer details: encrypted at rest, only in the hand-over export, erased on schedule."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

from sqlalchemy import select

from participation import crypto
from participation import db as db_module
from participation.initiatives import services
from participation.initiatives.models import Initiative, InitiativeState, Signature, SignatureExport
from participation.transparency.models import LedgerEntry
from tests.factories import valid_national_id
from tests.initiatives.conftest import collecting, ledger_kinds

FULL_NAME = "นางสาวพิมพ์ใจ ทดสอบความลับ"


def _handed_over_bill(db, world):
    now = db_module.utcnow()
    bill = collecting(world, world.bill, now=now, threshold=2)
    nid_author = valid_national_id("110170020345")
    nid_citizen = valid_national_id("310060012345")
    services.sign(bill, world.author, now, consent=True, full_name='=HYPERLINK("x")', national_id=nid_author)
    services.sign(
        bill,
        world.nid_citizen,
        now,
        consent=True,
        full_name=FULL_NAME,
        national_id=nid_citizen,
        show_name=False,
    )
    db.commit()
    services.hand_over(bill, world.author, now)
    db.commit()
    return bill, nid_citizen


def test_details_are_encrypted_at_rest(db, world):
    bill, nid = _handed_over_bill(db, world)
    row = db.scalar(select(Signature).where(Signature.user_id == world.nid_citizen.id))
    assert FULL_NAME not in row.full_name_enc and nid not in row.national_id_enc
    assert crypto.decrypt(services.ENCRYPTION_PURPOSE, row.full_name_enc) == FULL_NAME
    assert crypto.decrypt(services.ENCRYPTION_PURPOSE, row.national_id_enc) == nid


def test_any_string_works_as_the_encryption_key(app):
    with app.app_context():
        app.config["ENCRYPTION_KEY"] = "not base64 at all: ทดสอบ"
        token = crypto.encrypt("p", "ข้อความ")
        assert crypto.decrypt("p", token) == "ข้อความ"


def test_details_never_appear_in_pages_or_public_records(db, world, client_for, client):
    bill, nid = _handed_over_bill(db, world)
    pages = [
        client.get(f"/initiatives/{bill.id}"),
        client.get("/initiatives/"),
        client.get("/"),
        client_for(world.nid_citizen).get(f"/initiatives/{bill.id}"),
        client_for(world.author).get(f"/initiatives/{bill.id}"),
        client_for(world.parliament_staff).get(f"/initiatives/{bill.id}"),
        client_for(world.admin).get("/initiatives/types"),
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert FULL_NAME not in text and nid not in text
        assert world.nid_citizen.display_name not in text  # did not choose to show the name
    for entry in db.scalars(select(LedgerEntry)).all():
        assert FULL_NAME not in entry.payload and nid not in entry.payload
        assert world.nid_citizen.email not in entry.payload


def test_hand_over_export_only_for_the_receiving_organisation(db, world, client_for, client):
    bill, nid = _handed_over_bill(db, world)
    url = f"/initiatives/{bill.id}/export.csv"
    assert client.post(url).status_code in (302, 401)
    for user in (world.author, world.nid_citizen, world.agency_staff, world.moderator, world.other_staff):
        assert client_for(user).post(url).status_code == 403
    assert client_for(world.parliament_staff).get(url).status_code == 405
    response = client_for(world.parliament_staff).post(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    assert b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["number", "signed_at_utc", "receipt_check", "full_name", "national_id"]
    assert [r[3] for r in rows[1:]] == ['\'=HYPERLINK("x")', FULL_NAME]
    assert rows[2][4] == nid
    # Audited (who, when) and public without names.
    audit = db.scalar(select(SignatureExport).where(SignatureExport.initiative_id == bill.id))
    assert audit.user_id == world.parliament_staff.id and audit.rows == 2
    entry = ledger_kinds("initiative.signatures_exported")[0]
    payload = json.loads(entry.payload)
    assert payload["by"] == "the receiving organisation"
    assert world.parliament_staff.display_name not in entry.payload and FULL_NAME not in entry.payload


def test_export_is_refused_before_hand_over(db, world, client_for):
    bill = collecting(world, world.bill)
    assert client_for(world.parliament_staff).post(f"/initiatives/{bill.id}/export.csv").status_code == 403


def test_retention_purges_details_and_keeps_counts(db, world, runner):
    bill, nid = _handed_over_bill(db, world)
    before = services.exact_count(bill).total
    assert services.purge_personal_data(db_module.utcnow() + timedelta(days=89)) == 0
    later = bill.handed_over_at + timedelta(days=91)
    assert services.purge_personal_data(later) == 1
    db.commit()
    rows = db.scalars(select(Signature).where(Signature.initiative_id == bill.id)).all()
    assert all(r.full_name_enc is None and r.national_id_enc is None for r in rows)
    assert services.exact_count(bill).total == before == 2
    db.expire_all()
    assert db.get(Initiative, bill.id).personal_data_purged_at is not None
    assert services.purge_personal_data(later + timedelta(days=1)) == 0


def test_retention_days_are_configurable_and_the_command_runs(app, db, world, runner):
    bill, _nid = _handed_over_bill(db, world)
    bill.handed_over_at = db_module.utcnow() - timedelta(days=8)
    db.commit()
    result = runner.invoke(args=["initiatives", "purge-personal-data"])
    assert result.exit_code == 0 and "0" in result.output
    app.config["SIGNER_DATA_RETENTION_DAYS"] = 7
    result = runner.invoke(args=["initiatives", "purge-personal-data"])
    assert result.exit_code == 0 and "1" in result.output
    db.expire_all()
    assert (
        db.scalar(select(Signature.full_name_enc).where(Signature.initiative_id == bill.id).limit(1)) is None
    )


def test_expired_initiative_details_are_purged_too(db, world):
    now = db_module.utcnow()
    bill = collecting(world, world.bill, now=now, days=1)
    services.sign(
        bill,
        world.nid_citizen,
        now,
        consent=True,
        full_name=FULL_NAME,
        national_id=valid_national_id("310060012345"),
    )
    db.commit()
    services.close_due(bill.deadline)
    db.commit()
    assert bill.state == InitiativeState.expired
    assert services.purge_personal_data(bill.deadline + timedelta(days=91)) == 1
