"""The shared search index, end to end, with organisations as a test kind."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from participation import db as db_module
from participation.accounts.models import Organisation
from participation.events import Event, publish
from participation.transparency import search
from participation.transparency.models import SearchDocument
from tests.transparency.privacy import assert_no_personal_data

KIND = "test_org"
PHRASE = "การมีส่วนร่วมของประชาชนในการออกกฎหมาย"


def _build(org: Organisation):
    if org.slug.startswith("secret"):
        return None
    return search.Document(
        kind=KIND,
        ref_id=org.id,
        title=org.name_th,
        body=f"{org.name_en or ''}\n{org.contact or ''}",
        url=f"/orgs/{org.slug}",
        status=org.kind.value,
        visible=not org.slug.startswith("hidden"),
        organisation_id=org.id,
    )


@pytest.fixture(autouse=True)
def indexer():
    search.register_indexer(
        KIND,
        _build,
        load=lambda id_: db_module.session.get(Organisation, id_),
        all=lambda: db_module.session.scalars(select(Organisation).order_by(Organisation.id)),
        label="Test organisations",
    )
    yield
    search.unregister_indexer(KIND)


def _org(factory, db, name_th, slug=None, name_en=None):
    org = factory.organisation(slug=slug, name_th=name_th)
    if name_en is not None:
        org.name_en = name_en
    publish(Event(kind="organisation.updated", subject_type=KIND, subject_id=org.id, public=False))
    db.commit()
    return org


def _found(db, query, **kwargs):
    return [r.ref_id for r in search.search(query, **kwargs).results]


class TestThai:
    def test_word_inside_a_thai_phrase(self, db, factory):
        org = _org(factory, db, PHRASE)
        _org(factory, db, "กรมบัญชีกลาง")
        assert _found(db, "ประชาชน") == [org.id]
        assert _found(db, "กฎหมาย") == [org.id]
        assert _found(db, "ประชาชน กฎหมาย") == [org.id]
        assert _found(db, "ประชาชน ภาษี") == []

    def test_highlighted_snippet(self, db, factory):
        _org(factory, db, PHRASE, name_en="Public participation in law making")
        result = search.search("ประชาชน").results[0]
        assert "<mark>ประชาชน</mark>" in str(result.title)
        result = search.search("participation").results[0]
        assert "<mark>participation</mark>" in str(result.snippet)

    def test_english_is_case_insensitive(self, db, factory):
        org = _org(factory, db, "กรมสรรพากร", name_en="Revenue Department")
        assert _found(db, "REVENUE") == [org.id]


class TestInjection:
    @pytest.mark.parametrize(
        "query",
        [
            '" OR 1=1 --',
            "*",
            "NEAR(",
            'NEAR("a" "b")',
            "title:ประชาชน",
            "^ประชาชน",
            "'; DROP TABLE search_documents; --",
            "ประชาชน OR *",
            '"',
            "(",
            "a & b | !c",
            "ประชาชน:*",
            "\x00\u200b",
        ],
    )
    def test_never_an_error_never_everything(self, client, db, factory, query):
        org = _org(factory, db, PHRASE)
        _org(factory, db, "กรมบัญชีกลาง")
        found = _found(db, query)
        assert len(found) <= 1
        if found:
            assert found == [org.id]
        api = client.get("/api/v1/search", query_string={"q": query})
        if "\x00" in query:
            # A NUL is refused in any query parameter, before any view (web.query).
            assert api.status_code == 400 and api.is_json
            assert client.get("/search", query_string={"q": query}).status_code == 400
        else:
            assert api.status_code == 200 and api.is_json
            assert len(api.json["data"]) <= 1
            assert client.get("/search", query_string={"q": query}).status_code == 200
        assert db.scalar(select(func.count()).select_from(SearchDocument)) == 2

    def test_too_long_is_400(self, client, db):
        response = client.get("/api/v1/search", query_string={"q": "ก" * 1001})
        assert response.status_code == 400
        assert response.json["error"]["message"]
        page = client.get("/search", query_string={"q": "x" * 1001})
        assert page.status_code == 400
        assert 'aria-invalid="true"' in page.get_data(as_text=True)


class TestVisibility:
    def test_hidden_documents_are_never_found(self, client, db, factory):
        _org(factory, db, PHRASE, slug="hidden-one")
        assert _found(db, "ประชาชน") == []
        assert client.get("/api/v1/search?q=ประชาชน").json["data"] == []
        assert "hidden-one" not in client.get("/search?q=ประชาชน").get_data(as_text=True)

    def test_hiding_after_an_event(self, db, factory):
        org = _org(factory, db, PHRASE, slug="visible-now")
        assert _found(db, "ประชาชน") == [org.id]
        org.slug = "hidden-now"
        publish(Event(kind="organisation.hidden", subject_type=KIND, subject_id=org.id, public=False))
        db.commit()
        assert _found(db, "ประชาชน") == []

    def test_indexer_returning_none_removes_the_document(self, db, factory):
        org = _org(factory, db, PHRASE, slug="public-org")
        org.slug = "secret-org"
        publish(Event(kind="organisation.updated", subject_type=KIND, subject_id=org.id, public=False))
        db.commit()
        assert db.scalar(select(func.count()).select_from(SearchDocument)) == 0

    def test_deleted_subject_is_removed(self, db, factory):
        org = _org(factory, db, PHRASE)
        org_id = org.id
        db.delete(org)
        publish(Event(kind="organisation.deleted", subject_type=KIND, subject_id=org_id, public=False))
        db.commit()
        assert _found(db, "ประชาชน") == []


class TestIndexing:
    def test_events_reindex_the_subject(self, db, factory):
        org = _org(factory, db, "กรมเก่า")
        org.name_th = "กรมใหม่ด้านสิ่งแวดล้อม"
        publish(Event(kind="organisation.renamed", subject_type=KIND, subject_id=org.id, public=False))
        db.commit()
        assert _found(db, "สิ่งแวดล้อม") == [org.id]
        assert _found(db, "กรมเก่า") == []
        assert db.scalar(select(func.count()).select_from(SearchDocument)) == 1

    def test_reindex_command_rebuilds_everything(self, runner, db, factory):
        a = factory.organisation(name_th=PHRASE)
        b = factory.organisation(name_th="กรมประชาสัมพันธ์ประชาชน")
        search.index_document(
            KIND, 987654, title="ประชาชน stale", body="", url="/x", status=None, visible=True
        )
        db.commit()
        result = runner.invoke(args=["search", "reindex"])
        assert result.exit_code == 0, result.output
        db.expire_all()
        assert sorted(_found(db, "ประชาชน")) == sorted([a.id, b.id])

    def test_one_row_per_thing(self, db, factory):
        org = _org(factory, db, PHRASE)
        for _ in range(3):
            search.index(_build(org))
        db.commit()
        assert db.scalar(select(func.count()).select_from(SearchDocument)) == 1

    def test_unique_kind_and_ref_in_the_database(self, db):
        from sqlalchemy.exc import IntegrityError

        values = {"kind": KIND, "ref_id": 1, "title": "x", "body_excerpt": "", "url": "/x", "visible": True}
        db.add(SearchDocument(**values, search_text="x"))
        db.flush()
        db.add(SearchDocument(**values, search_text="x"))
        with pytest.raises(IntegrityError):
            db.flush()
        db.rollback()

    def test_full_text_index_follows_raw_writes(self, db, factory):
        org = _org(factory, db, PHRASE)
        db.execute(
            text("UPDATE search_documents SET search_text = 'replaced words' WHERE ref_id = :id"),
            {"id": org.id},
        )
        db.commit()
        assert _found(db, "ประชาชน") == []
        assert _found(db, "replaced") == [org.id]


class TestFiltersRankingPages:
    def test_kind_and_status_filters(self, client, db, factory):
        org = _org(factory, db, PHRASE)
        search.index_document(
            "other_kind", 1, title="ประชาชน อื่น", body="", url="/o", status="closed", visible=True
        )
        db.commit()
        assert _found(db, "ประชาชน", kinds=[KIND]) == [org.id]
        assert _found(db, "ประชาชน", status="closed") == [1]
        assert _found(db, "ประชาชน", kinds=["other_kind"], status="department") == []
        api = client.get("/api/v1/search?q=ประชาชน&kind=other_kind").json
        assert [(r["kind"], r["ref_id"]) for r in api["data"]] == [("other_kind", 1)]
        html = client.get(f"/search?q=ประชาชน&kind={KIND}").get_data(as_text=True)
        assert "/orgs/" in html and 'href="/o"' not in html
        assert "Test organisations" in html
        assert '<option value="closed"' in html and '<option value="department"' in html

    def test_more_occurrences_rank_higher(self, db):
        search.index_document(
            KIND, 1, title="งบประมาณ", body="เรื่องทั่วไป " * 30 + "ภาษี", url="/1", status=None, visible=True
        )
        search.index_document(KIND, 2, title="ภาษี", body="ภาษี ภาษี ภาษี", url="/2", status=None, visible=True)
        db.commit()
        results = search.search("ภาษี").results
        assert [r.ref_id for r in results] == [2, 1]
        assert results[0].rank > results[1].rank

    def test_pages_cover_every_result_once(self, client, db):
        for i in range(25):
            search.index_document(
                KIND, i + 1, title=f"ประชาชน {i}", body="", url=f"/{i}", status=None, visible=True
            )
        db.commit()
        seen, url = [], "/api/v1/search?q=ประชาชน&limit=10"
        sizes = []
        while url:
            body = client.get(url).json
            sizes.append(len(body["data"]))
            seen += [r["ref_id"] for r in body["data"]]
            url = body["next"]
        assert sizes == [10, 10, 5]
        assert sorted(seen) == list(range(1, 26))

    def test_cursor_of_another_query_or_forged_is_400(self, client, db):
        for i in range(3):
            search.index_document(
                KIND, i + 1, title=f"ประชาชน {i}", body="", url=f"/{i}", status=None, visible=True
            )
        db.commit()
        cursor = client.get("/api/v1/search?q=ประชาชน&limit=1").json["next_cursor"]
        assert client.get(f"/api/v1/search?q=ประชาชน&limit=1&cursor={cursor}").status_code == 200
        assert client.get(f"/api/v1/search?q=อื่น&limit=1&cursor={cursor}").status_code == 400
        assert client.get("/api/v1/search?q=ประชาชน&cursor=WzEwMDBd.fake").status_code == 400
        assert client.get("/search?q=ประชาชน&cursor=WzEwMDBd.fake").status_code == 400
        assert client.get("/api/v1/search?q=ประชาชน&limit=101").status_code == 400


def test_search_page_and_api_show_no_personal_data(client, db, factory):
    org = _org(factory, db, PHRASE)
    staff = factory.staff(org, email="staff.hidden@agency.go.th", name="เจ้าหน้าที่ ลับ")
    html = client.get("/search?q=ประชาชน").get_data(as_text=True)
    assert "<mark>ประชาชน</mark>" in html
    api = client.get("/api/v1/search?q=ประชาชน").get_data(as_text=True)
    for text_ in (html, api):
        assert_no_personal_data(text_, forbidden=[staff.email, staff.display_name])


def test_empty_query_shows_the_form_only(client):
    response = client.get("/search")
    assert response.status_code == 200
    assert 'role="search"' in response.get_data(as_text=True)


@pytest.mark.postgres_only
def test_concurrent_indexing_of_one_thing_keeps_one_row(app, db):
    """Listeners of two simultaneous events re-index the same subject: an upsert, never a duplicate."""
    import threading

    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                search.index_document(
                    KIND, 42, title=f"ประชาชน ฉบับ {n}", body="", url="/42", status=None, visible=True
                )
                db_module.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.scalar(select(func.count()).select_from(SearchDocument)) == 1
    assert len(_found(db, "ประชาชน")) == 1
