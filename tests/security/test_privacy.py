"""No personal data in any public response, export, feed or log line.

The world (tests/security/world.py) has people with emails and declared
national IDs, a signer who hid her name, commenters and a moderation case.
Every public GET route (as an anonymous visitor), the open-data API with
searches for the people, the feeds and the public CSV exports must not contain
an email address, a 13-digit ID-shaped number, or the hidden signer's name.
And the application's log, at DEBUG, while people register, sign in, reset a
password, declare an ID, sign and comment, never names an email, an ID or an IP.
"""

from __future__ import annotations

import logging
import re

from tests.factories import PASSWORD, valid_national_id
from tests.security.test_authorization import TABLE, url_for_rule
from tests.security.world import HIDDEN_SIGNER_NAME, NATIONAL_IDS
from tests.transparency.privacy import EMAIL_RE, NATIONAL_ID_RE, find_personal_data

CLIENT_IP = "203.0.113.77"
IP_RE = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")


def _forbidden(world) -> list[str]:
    return [HIDDEN_SIGNER_NAME, *NATIONAL_IDS.values(), *(u.email for u in world.users.values())]


def _public_urls(app, world) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        expect = TABLE[rule.endpoint]
        public = expect.get is not None and "anonymous" in expect.get
        if "GET" in rule.methods and public and rule.endpoint != "static":
            urls.append(url_for_rule(world, rule))
    hidden = HIDDEN_SIGNER_NAME.split()[0]
    for query in ("example.org", hidden, "author", "@"):
        urls += [f"/api/v1/search?q={query}", f"/search?q={query}"]
    # The search page repeats the visitor's own query back; the API must not find anything by ID.
    urls.append(f"/api/v1/search?q={NATIONAL_IDS['author']}")
    urls += [
        "/api/v1/ledger?limit=200",
        "/api/v1/organisations/pcd",
        "/feeds/ledger.atom",
        f"/hearings/{world.ids['reported_hearing']}/report.csv",
        "/moderation/log",
    ]
    urls += [f"/transparency/ledger/{seq}" for seq in range(1, 40)]
    return urls


def test_no_personal_data_in_public_responses(app, client, world):
    forbidden = _forbidden(world)
    leaks, fetched = [], 0
    for url in _public_urls(app, world):
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            continue
        fetched += 1
        found = find_personal_data(response.get_data(as_text=True), forbidden)
        if found:
            leaks.append(f"{url}: {'; '.join(found)}")
    assert not leaks, "personal data in public output:\n" + "\n".join(leaks)
    assert fetched > 60, f"only {fetched} public pages answered 200: the world is not being shown"


def test_public_pages_show_what_people_chose_to_show(client, world):
    """The check above is not vacuous: visible names and the world's texts are there."""
    page = client.get(f"/initiatives/{world.ids['initiative']}").get_data(as_text=True)
    assert "ขอให้เพิ่มสวนสาธารณะ" in page
    stream = client.get(f"/comments/on/hearing/{world.ids['hearing']}").get_data(as_text=True)
    assert "ความเห็นของฉัน" in stream and world.users["author"].display_name in stream


def _log_leaks(records, secrets: list[str]) -> list[str]:
    leaks = []
    for record in records:
        text = record.getMessage()
        if record.exc_text:
            text += record.exc_text
        text += " " + " ".join(str(v) for k, v in vars(record).items() if k not in ("msg", "args", "message"))
        for pattern, what in ((EMAIL_RE, "email"), (NATIONAL_ID_RE, "national ID"), (IP_RE, "IP address")):
            for match in pattern.finditer(text):
                if what == "IP address" and match.group(0) in ("127.0.0.1", "0.0.0.0"):  # noqa: S104
                    continue
                leaks.append(f"{record.name}: {what} {match.group(0)!r} in {record.getMessage()[:200]!r}")
        leaks += [f"{record.name}: {s!r}" for s in secrets if s and s in text]
    return leaks


def test_no_personal_data_in_logs(app, db, world, caplog):
    from participation.accounts import services as accounts

    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = CLIENT_IP
    new_email = "new.person@example.org"
    national_id = valid_national_id("170010020003")

    # Registration, verification mail, sign-in (failed and successful).
    response = client.post(
        "/register",
        data={
            "email": new_email,
            "password": PASSWORD,
            "confirm": PASSWORD,
            "display_name": "คนใหม่",
            "accept_terms": "y",
        },
    )
    assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:300]
    assert accounts.find_user_by_email(new_email) is not None
    client.post("/signin", data={"email": new_email, "password": "wrong password!"})
    client.post("/signin", data={"email": "nobody@example.org", "password": PASSWORD})
    # Password reset for an existing and an unknown address.
    client.post("/password/forgot", data={"email": world.users["citizen"].email})
    client.post("/password/forgot", data={"email": "nobody@example.org"})
    citizen = world.users["citizen"]
    token = accounts.make_token("reset", citizen)
    client.post(f"/password/reset/{token}", data={"password": PASSWORD, "confirm": PASSWORD})
    client.post("/signout")  # the reset signed the citizen in
    # A verified person: signs in, declares an ID, signs, comments.
    db.expire_all()
    user = accounts.create_user(
        email="signer.two@example.org", password=PASSWORD, display_name="ผู้ลงชื่อ", locale="th", verified=True
    )
    db.commit()
    assert client.post("/signin", data={"email": user.email, "password": PASSWORD}).status_code == 302
    client.post("/account/national-id", data={"national_id": national_id})
    initiative = world.ids["initiative"]
    signed = client.post(f"/initiatives/{initiative}/sign", data={"consent": "y", "full_name": "ผู้ลงชื่อ สอง"})
    assert signed.status_code == 200 and "error-summary" not in signed.get_data(as_text=True)
    commented = client.post(
        f"/comments/on/hearing/{world.ids['hearing']}",
        data={"body": "ความเห็นเรื่องอากาศ ติดต่อ " + user.email},
    )
    assert commented.status_code in (302, 303), commented.get_data(as_text=True)[:300]
    client.post("/signout")

    secrets = [new_email, user.email, citizen.email, national_id, *NATIONAL_IDS.values(), CLIENT_IP]
    assert caplog.records, "nothing was logged: the capture does not work"
    leaks = _log_leaks(caplog.records, secrets)
    assert not leaks, "personal data in log records:\n" + "\n".join(leaks)
