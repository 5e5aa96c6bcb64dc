"""The anonymous page cache: hits, what keeps a page out of it, and what invalidates it."""

from __future__ import annotations

import re

import pytest

from participation import db as db_module
from participation.comments import services as comment_services
from participation.moderation import services as moderation
from participation.web.page_cache import PageCache
from tests.hearings.conftest import START, Clock, HearingMaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock_of_cache(app):
    """Drive the cache's clock by hand (the TTL is 5 s by default)."""
    fake = FakeClock()
    app.extensions["page_cache"].clock = fake
    return fake


@pytest.fixture
def hearing(db, factory, monkeypatch):
    """An open hearing, on the hearings tests' clock."""
    clock = Clock(START)
    monkeypatch.setattr(db_module, "utcnow", clock)
    agency = factory.organisation(slug="cache-agency", name_th="กรมทดสอบแคช")
    staff = factory.staff(agency)
    return HearingMaker(db, clock).open(agency, staff)


def comment_on(db, hearing, author, body):
    comment = comment_services.post_comment(
        author=author, subject_type="hearing", subject_id=hearing.id, body=body
    )
    db.commit()
    return comment


# --- the cache itself ---------------------------------------------------------------------


def test_entries_expire_after_the_ttl():
    clock = FakeClock()
    cache = PageCache(ttl=5, max_entries=10, clock=clock)
    cache.put(("a",), 200, b"page", [])
    clock.now += 4.9
    assert cache.get(("a",)) == (200, b"page", [])
    clock.now += 0.1
    assert cache.get(("a",)) is None
    assert cache.lookup(("a",)) == ((200, b"page", []), False)  # stale: served while re-rendered
    clock.now += 5
    assert cache.lookup(("a",)) is None
    assert len(cache) == 0


def test_least_recently_used_entries_are_dropped_beyond_the_limit():
    cache = PageCache(ttl=60, max_entries=2)
    cache.put(("a",), 200, b"a", [])
    cache.put(("b",), 200, b"b", [])
    assert cache.get(("a",)) is not None  # "a" is now the most recently used
    cache.put(("c",), 200, b"c", [])
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None


# --- served to anonymous readers ------------------------------------------------------------


def test_anonymous_reader_gets_the_stored_page_without_a_cookie(client, hearing, db, factory):
    comment_on(db, hearing, factory.user(), "ความเห็นแรกเรื่องทางจักรยาน")
    first = client.get(f"/hearings/{hearing.id}")
    second = client.get(f"/hearings/{hearing.id}")
    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert "ความเห็นแรกเรื่องทางจักรยาน" in second.get_data(as_text=True)
    for response in (first, second):
        assert "Set-Cookie" not in response.headers
        assert 'name="csrf_token"' not in response.get_data(as_text=True)
    # Security headers are set on a stored page as on any other.
    assert "Content-Security-Policy" in second.headers and second.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "path",
    ["/", "/hearings/", "/initiatives/", "/budgets/"],
    ids=["home", "hearings", "initiatives", "budgets"],
)
def test_public_lists_are_cached_for_anonymous_readers(client, path):
    assert client.get(path).headers["X-Page-Cache"] == "miss"
    assert client.get(path).headers["X-Page-Cache"] == "hit"


def test_signed_in_reader_is_never_served_from_the_cache(client, login, hearing, factory):
    client.get(f"/hearings/{hearing.id}")
    client.get(f"/hearings/{hearing.id}")  # stored and served to anonymous readers
    login(factory.user())
    response = client.get(f"/hearings/{hearing.id}")
    html = response.get_data(as_text=True)
    assert "X-Page-Cache" not in response.headers
    assert 'action="/signout"' in html  # their own account menu: a personal page
    assert 'name="body"' in html  # and the comment form, which anonymous readers do not get


def test_each_language_has_its_own_page(client, hearing):
    thai = client.get(f"/hearings/{hearing.id}")
    english = client.get(f"/hearings/{hearing.id}", headers={"Accept-Language": "en"})
    assert english.headers["X-Page-Cache"] == "miss"
    assert '<html lang="th"' in thai.get_data(as_text=True)
    assert '<html lang="en"' in english.get_data(as_text=True)
    again = client.get(f"/hearings/{hearing.id}", headers={"Accept-Language": "en"})
    assert again.headers["X-Page-Cache"] == "hit" and '<html lang="en"' in again.get_data(as_text=True)


def test_query_strings_are_separate_pages(client, hearing):
    client.get(f"/hearings/{hearing.id}")
    response = client.get(f"/hearings/{hearing.id}?order=oldest")
    assert response.headers["X-Page-Cache"] == "miss"


def test_a_waiting_flash_message_is_shown_not_a_stored_page(client, login, factory):
    client.get("/")
    assert client.get("/").headers["X-Page-Cache"] == "hit"
    user = factory.user()
    login(user)
    client.post("/signout")
    response = client.get("/")
    assert "X-Page-Cache" not in response.headers
    assert 'class="flash' in response.get_data(as_text=True)


# --- invalidation -------------------------------------------------------------------------------


def test_a_new_comment_shows_at_once(client, hearing, db, factory):
    client.get(f"/hearings/{hearing.id}")
    assert client.get(f"/hearings/{hearing.id}").headers["X-Page-Cache"] == "hit"
    comment_on(db, hearing, factory.user(), "ความเห็นใหม่ที่เพิ่งส่ง")
    response = client.get(f"/hearings/{hearing.id}")
    assert response.headers["X-Page-Cache"] == "miss"
    assert "ความเห็นใหม่ที่เพิ่งส่ง" in response.get_data(as_text=True)


def test_a_hidden_comment_disappears_at_once(client, hearing, db, factory):
    comment = comment_on(db, hearing, factory.user(), "ข้อความที่จะถูกซ่อนโดยผู้ดูแล")
    assert "ข้อความที่จะถูกซ่อนโดยผู้ดูแล" in client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    client.get(f"/hearings/{hearing.id}")
    moderation.hide(factory.user(moderator=True), "comment", comment.id, "spam")
    db.commit()
    html = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "ข้อความที่จะถูกซ่อนโดยผู้ดูแล" not in html


def test_changes_outside_the_public_record_show_within_the_ttl(client, hearing, db, factory, clock_of_cache):
    author = factory.user(name="ชื่อเดิมของผู้เขียน")
    comment_on(db, hearing, author, "ความเห็นของผู้เขียน")
    client.get(f"/hearings/{hearing.id}")
    author.display_name = "ชื่อใหม่ของผู้เขียน"  # not a public event: the ledger does not move
    db.commit()
    stale = client.get(f"/hearings/{hearing.id}")
    assert stale.headers["X-Page-Cache"] == "hit" and "ชื่อเดิมของผู้เขียน" in stale.get_data(as_text=True)
    clock_of_cache.now += 5
    fresh = client.get(f"/hearings/{hearing.id}")
    assert fresh.headers["X-Page-Cache"] == "miss" and "ชื่อใหม่ของผู้เขียน" in fresh.get_data(as_text=True)
    assert client.get(f"/hearings/{hearing.id}").headers["X-Page-Cache"] == "hit"


def test_an_expired_page_is_served_stale_while_another_reader_renders_it(app):
    """Past the TTL, readers keep getting the previous copy while one request renders it again."""
    import threading

    from participation.web.page_cache import for_anonymous_readers

    rendering = threading.Event()
    release = threading.Event()
    renders = []
    clock = FakeClock()
    app.extensions["page_cache"].clock = clock

    @for_anonymous_readers
    def page():
        renders.append(1)
        if len(renders) == 2:  # the re-render after the TTL: hold it until the reader below is done
            rendering.set()
            release.wait(5)
        return f"<p>version {len(renders)}</p>"

    app.add_url_rule("/test-stale", "test_stale", page)
    assert app.test_client().get("/test-stale").get_data(as_text=True) == "<p>version 1</p>"
    clock.now += 6
    results = {}
    renderer = threading.Thread(target=lambda: results.update(first=app.test_client().get("/test-stale")))
    renderer.start()
    assert rendering.wait(5)
    other = app.test_client().get("/test-stale")
    assert other.headers["X-Page-Cache"] == "stale" and other.get_data(as_text=True) == "<p>version 1</p>"
    release.set()
    renderer.join()
    assert results["first"].headers["X-Page-Cache"] == "miss"
    assert app.test_client().get("/test-stale").get_data(as_text=True) == "<p>version 2</p>"


def test_errors_are_not_stored(client):
    assert client.get("/hearings/999999").status_code == 404
    assert client.get("/hearings/999999").status_code == 404
    assert len(client.application.extensions["page_cache"]) == 0


class TestTurnedOff:
    @pytest.fixture
    def config_overrides(self):
        return {"PAGE_CACHE_SECONDS": 0}

    def test_no_page_is_stored(self, client, hearing):
        client.get(f"/hearings/{hearing.id}")
        response = client.get(f"/hearings/{hearing.id}")
        assert "X-Page-Cache" not in response.headers
        assert len(client.application.extensions["page_cache"]) == 0


# --- the language switch, which every page carries ---------------------------------------------


class TestLanguageSwitch:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_anonymous_switch_sets_only_the_cookie_without_a_token(self, client):
        response = client.post("/language", data={"language": "en", "next": "/hearings/"})
        assert response.status_code == 302 and response.headers["Location"].endswith("/hearings/")
        assert re.search(r"lang=en", response.headers["Set-Cookie"])
        assert "session=" not in response.headers["Set-Cookie"]

    def test_signed_in_switch_needs_the_token(self, client, factory, db):
        from tests.conftest import csrf_token_from

        user = factory.user(locale="th")
        token = csrf_token_from(client.get("/signin").get_data(as_text=True))
        client.post(
            "/signin", data={"email": user.email, "password": "correct horse battery", "csrf_token": token}
        )
        refused = client.post("/language", data={"language": "en"})
        assert refused.status_code == 400
        db.refresh(user)
        assert user.locale == "th"
        page = client.get("/").get_data(as_text=True)
        accepted = client.post("/language", data={"language": "en", "csrf_token": csrf_token_from(page)})
        assert accepted.status_code == 302
        db.refresh(user)
        assert user.locale == "en"


def test_a_page_that_touched_the_session_is_not_stored(app):
    """A page that made per-visitor state (here: a CSRF token) must never reach another reader."""
    from flask_wtf.csrf import generate_csrf

    from participation.web.page_cache import for_anonymous_readers

    @for_anonymous_readers
    def personal():
        return f"<p>{generate_csrf()}</p>"

    app.add_url_rule("/test-personal", "test_personal", personal)
    client = app.test_client()
    first = client.get("/test-personal")
    second = client.get("/test-personal")
    assert first.headers["X-Page-Cache"] == second.headers["X-Page-Cache"] == "miss"
    assert len(app.extensions["page_cache"]) == 0


def test_a_page_missing_from_the_cache_is_rendered_once_for_simultaneous_readers(app):
    """When a popular page expires, one thread renders it; the others wait for that page."""
    import threading
    import time

    from participation.web.page_cache import for_anonymous_readers

    renders = []

    @for_anonymous_readers
    def slow():
        renders.append(1)
        time.sleep(0.3)
        return f"<p>rendered {len(renders)}</p>"

    app.add_url_rule("/test-slow", "test_slow", slow)
    barrier = threading.Barrier(5)
    bodies = []

    def read():
        client = app.test_client()
        barrier.wait()
        bodies.append(client.get("/test-slow").get_data(as_text=True))

    threads = [threading.Thread(target=read) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(renders) == 1
    assert bodies == ["<p>rendered 1</p>"] * 5


@pytest.mark.parametrize("stale_cookie", [False, True])
def test_reading_the_ledger_head_never_holds_a_second_connection(
    stale_cookie, app, db, client, login, factory
):
    """Anonymous readers read the head on one autocommit connection; a reader whose sign-in
    was revoked (the cookie's account was looked up) reads it through the session's own."""
    from sqlalchemy import event

    if stale_cookie:
        user = login(factory.user(email="revoked@example.org"))
        user.session_nonce = "signed-out-everywhere"
        db.commit()
    db.close()  # the test's own session gives its connection back
    engine = app.extensions["participation.db"].engine
    held, most = [0], [0]

    def checkout(*_args):
        held[0] += 1
        most[0] = max(most[0], held[0])

    def checkin(*_args):
        held[0] -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        first, second = client.get("/"), client.get("/")
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
    assert first.status_code == second.status_code == 200
    assert second.headers["X-Page-Cache"] == "hit"
    assert most[0] == 1
