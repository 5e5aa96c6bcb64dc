"""Signing: one signature per person, levels, consent, national IDs, withdrawal, receipts."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from participation import db as db_module
from participation.accounts import services as account_services
from participation.identity import email_hash
from participation.initiatives import services
from participation.initiatives.models import Signature
from tests.factories import valid_national_id
from tests.initiatives.conftest import collecting, ledger_kinds, make_initiative


def _signatures(db, initiative) -> int:
    return db.scalar(
        select(func.count()).select_from(Signature).where(Signature.initiative_id == initiative.id)
    )


def _receipt(html: str) -> str:
    match = re.search(r"<code>([A-Z0-9-]{19})</code>", html)
    assert match, "no receipt code on the page"
    return match.group(1)


def test_sign_through_the_form_gives_a_receipt_and_counts(db, world, client_for, client):
    initiative = collecting(world)
    citizen = client_for(world.citizen)
    form = citizen.get(f"/initiatives/{initiative.id}/sign").get_data(as_text=True)
    assert "section 26" in form or "มาตรา 26" in form
    response = citizen.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = _receipt(response.get_data(as_text=True))
    assert _signatures(db, initiative) == 1
    # Counted on the page with no worker run (checkpoint + newer rows).
    assert services.public_count(initiative).total == 1
    # The receipt page confirms it without saying who signed.
    page = client.get("/initiatives/receipt", query_string={"code": code.lower()})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and initiative.title in text
    assert world.citizen.display_name not in text and world.citizen.email not in text
    assert client.get("/initiatives/receipt", query_string={"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 404
    # Signing is a private event: never in the ledger.
    assert ledger_kinds("initiative.signed") == []


def test_double_signing_is_refused_and_counted_once(db, world, client_for):
    initiative = collecting(world)
    citizen = client_for(world.citizen)
    assert citizen.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"}).status_code == 200
    again = citizen.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"})
    assert again.status_code == 409
    assert _signatures(db, initiative) == 1
    with pytest.raises(services.InitiativeError) as exc:
        services.sign(initiative, world.citizen, db_module.utcnow(), consent=True)
    assert exc.value.code == "already_signed"
    assert _signatures(db, initiative) == 1


def test_unique_constraint_refuses_a_direct_duplicate(db, world):
    initiative = collecting(world)
    row = {
        "initiative_id": initiative.id,
        "identity_key": "email:abc",
        "created_at": db_module.utcnow(),
        "receipt_hash": "1" * 64,
        "consent_version": "x",
    }
    db.execute(insert(Signature), [row])
    with pytest.raises(IntegrityError):
        db.execute(insert(Signature), [{**row, "receipt_hash": "2" * 64}])
    db.rollback()


def test_two_accounts_with_one_identity_key_sign_once(db, world, monkeypatch):
    """Two accounts proven to be one person (e.g. the same digital-ID subject) share a key."""
    initiative = collecting(world)
    now = db_module.utcnow()
    services.sign(initiative, world.citizen, now, consent=True)
    shared = world.citizen.identity_key()
    monkeypatch.setattr(type(world.coauthor), "identity_key", lambda self: shared)
    with pytest.raises(services.InitiativeError) as exc:
        services.sign(initiative, world.coauthor, now, consent=True)
    assert exc.value.code == "already_signed"
    assert _signatures(db, initiative) == 1


def test_email_level_key_is_the_hmac_of_the_normalised_address(db, world):
    initiative = collecting(world)
    services.sign(initiative, world.citizen, db_module.utcnow(), consent=True)
    row = db.scalar(select(Signature).where(Signature.initiative_id == initiative.id))
    assert row.identity_key == "email:" + email_hash("  " + world.citizen.email.upper() + " ")
    assert world.citizen.email not in row.identity_key


def test_identity_key_change_does_not_allow_a_second_signature(db, world):
    """Signing at email level, then declaring a national ID, changes the key but not the account."""
    initiative = collecting(world)
    now = db_module.utcnow()
    services.sign(initiative, world.citizen, now, consent=True)
    account_services.declare_national_id(world.citizen, valid_national_id("560010012345"))
    db.commit()
    assert world.citizen.identity_key().startswith("nid:")
    with pytest.raises(services.InitiativeError) as exc:
        services.sign(initiative, world.citizen, now, consent=True)
    assert exc.value.code == "already_signed"


def test_identity_below_the_required_level_is_refused(db, world, client_for):
    bill = collecting(world, world.bill)
    response = client_for(world.citizen).post(
        f"/initiatives/{bill.id}/sign",
        data={"consent": "y", "full_name": "ก ข ค", "national_id": "1101700203450"},
    )
    assert response.status_code == 403
    assert _signatures(db, bill) == 0
    petition = collecting(world)
    assert client_for(world.unverified).post(
        f"/initiatives/{petition.id}/sign", data={"consent": "y"}
    ).status_code in (
        403,
        302,
    )
    assert _signatures(db, petition) == 0


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("12345", "13"),
        ("110170020345X", None),
        ("1101700203451", None),
    ],
)
def test_invalid_national_ids_are_refused_with_a_message(db, world, client_for, number, message):
    bill = collecting(world, world.bill)
    response = client_for(world.nid_citizen).post(
        f"/initiatives/{bill.id}/sign",
        data={"consent": "y", "full_name": "พลเมือง บัตร", "national_id": number},
    )
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    if message:
        assert message in response.get_data(as_text=True)
    assert _signatures(db, bill) == 0


def test_national_id_must_match_the_declared_one(db, world, client_for):
    bill = collecting(world, world.bill)
    other = valid_national_id("199999999999")
    response = client_for(world.nid_citizen).post(
        f"/initiatives/{bill.id}/sign", data={"consent": "y", "full_name": "พลเมือง บัตร", "national_id": other}
    )
    assert response.status_code == 422
    assert _signatures(db, bill) == 0
    response = client_for(world.nid_citizen).post(
        f"/initiatives/{bill.id}/sign",
        data={"consent": "y", "full_name": "พลเมือง บัตร", "national_id": valid_national_id("310060012345")},
    )
    assert response.status_code == 200
    assert _signatures(db, bill) == 1


def test_consent_is_required(db, world, client_for):
    initiative = collecting(world)
    response = client_for(world.citizen).post(f"/initiatives/{initiative.id}/sign", data={})
    assert response.status_code == 422
    assert _signatures(db, initiative) == 0


def test_signing_unapproved_or_expired_is_refused(db, world, client_for):
    draft = make_initiative(world)
    assert (
        client_for(world.citizen).post(f"/initiatives/{draft.id}/sign", data={"consent": "y"}).status_code
        == 404
    )
    services.submit(draft, world.author, db_module.utcnow())
    db.commit()
    # Even the author cannot sign a draft in review.
    assert (
        client_for(world.author).post(f"/initiatives/{draft.id}/sign", data={"consent": "y"}).status_code
        == 409
    )
    expired = collecting(world, days=1)
    expired.deadline = db_module.utcnow()
    db.commit()
    assert (
        client_for(world.citizen).post(f"/initiatives/{expired.id}/sign", data={"consent": "y"}).status_code
        == 409
    )
    assert _signatures(db, draft) == 0 and _signatures(db, expired) == 0


def test_forged_posts_are_refused(app, db, world, client_for):
    initiative = collecting(world)
    citizen = client_for(world.citizen)
    # A bot filling the hidden field.
    response = citizen.post(
        f"/initiatives/{initiative.id}/sign", data={"consent": "y", "website": "http://spam"}
    )
    assert response.status_code == 422
    # Without a CSRF token (protection on, as in production).
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = citizen.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _signatures(db, initiative) == 0


def test_withdraw_and_sign_again(db, world, client_for, client):
    initiative = collecting(world)
    citizen = client_for(world.citizen)
    first = _receipt(
        citizen.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"}).get_data(as_text=True)
    )
    services.refresh_counts(db_module.utcnow())
    db.commit()
    assert citizen.post(f"/initiatives/{initiative.id}/unsign").status_code == 302
    db.expire_all()
    assert services.public_count(initiative).total == 0
    assert client.get("/initiatives/receipt", query_string={"code": first}).status_code == 404
    second = _receipt(
        citizen.post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"}).get_data(as_text=True)
    )
    assert second != first
    db.expire_all()
    assert services.public_count(initiative).total == 1
    services.refresh_counts(db_module.utcnow())
    db.commit()
    assert services.public_count(initiative).total == 1 == services.exact_count(initiative).total
    # Withdrawing twice: the second is refused.
    assert citizen.post(f"/initiatives/{initiative.id}/unsign").status_code == 302
    assert citizen.post(f"/initiatives/{initiative.id}/unsign").status_code == 409


def test_names_shown_only_when_chosen(db, world, client_for, client):
    initiative = collecting(world)
    client_for(world.citizen).post(
        f"/initiatives/{initiative.id}/sign", data={"consent": "y", "show_name": "y"}
    )
    client_for(world.coauthor).post(f"/initiatives/{initiative.id}/sign", data={"consent": "y"})
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert world.citizen.display_name in page
    assert world.coauthor.display_name not in page


def test_receipt_codes_are_unambiguous_random_and_use_every_character():
    from collections import Counter

    codes = [services._new_receipt_code() for _ in range(2_000)]
    letters = re.escape(services.RECEIPT_ALPHABET)
    shape = re.compile(rf"^[{letters}]{{4}}(-[{letters}]{{4}}){{3}}$")
    assert all(shape.match(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert not set("IO01") & set(services.RECEIPT_ALPHABET)
    # 32,000 characters: each of the 32 is expected 1,000 times; a skewed or
    # truncated choice (such as a modulo of a range that is not a multiple of 32) shows.
    counts = Counter("".join(codes).replace("-", ""))
    assert set(counts) == set(services.RECEIPT_ALPHABET)
    assert max(counts.values()) < 1_200 and min(counts.values()) > 800
