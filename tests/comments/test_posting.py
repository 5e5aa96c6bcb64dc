"""Posting, replies, the stream page and what the text may contain."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import func, select

from participation.comments import queries, services
from participation.comments.models import Comment, CommentStatus
from participation.transparency.models import LedgerEntry
from tests.comments.conftest import SUBJECT


def _create_url(org):
    return f"/comments/on/{SUBJECT}/{org.id}"


def test_citizen_posts_a_comment_and_sees_it(client, db, factory, login, org):
    user = login(factory.user(name="สมชาย ใจดี"))
    response = client.post(_create_url(org), data={"body": "เห็นด้วยกับ **มาตรา 5**"})
    assert response.status_code == 302
    comment = db.scalars(select(Comment)).one()
    assert response.headers["Location"].endswith(f"/comments/on/{SUBJECT}/{org.id}#comment-{comment.id}")
    assert comment.author_id == user.id and comment.status == CommentStatus.published
    html = client.get(_create_url(org)).get_data(as_text=True)
    assert f'id="comment-{comment.id}"' in html
    assert "<strong>มาตรา 5</strong>" in html
    assert "สมชาย ใจดี" in html
    assert user.email not in html
    assert queries.counts(SUBJECT, org.id) == {0: 1}
    kinds = db.scalars(select(LedgerEntry.kind)).all()
    assert "comment.published" in kinds


def test_reply_to_a_reply_attaches_to_the_top_level_comment(client, db, factory, login, org, post):
    first = post(factory.user())
    reply = post(factory.user(), body="ตอบกลับ", parent=first)
    login(factory.user())
    response = client.post(_create_url(org), data={"body": "ตอบการตอบ", "parent_id": str(reply.id)})
    assert response.status_code == 302
    nested = db.scalars(select(Comment).where(Comment.body == "ตอบการตอบ")).one()
    assert nested.parent_id == first.id
    page = queries.stream(SUBJECT, org.id)
    assert [c.id for c in page.threads[0].replies] == [reply.id, nested.id]
    assert queries.counts(SUBJECT, org.id)[0] == 3


def test_reply_notifies_the_parent_author_privately(db, factory, org, post):
    from participation import events

    seen = []
    events.listen(seen.append)
    try:
        parent_author = factory.user()
        first = post(parent_author)
        post(factory.user(), body="ตอบ", parent=first)
    finally:
        events._listeners.remove(seen.append)
    replied = [e for e in seen if e.kind == "comment.replied"]
    assert len(replied) == 1
    assert replied[0].recipient_ids == [parent_author.id] and replied[0].public is False
    assert "comment.replied" not in db.scalars(select(LedgerEntry.kind)).all()


class _ActiveContent(HTMLParser):
    """Collects every element or attribute a browser would run."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "img", "svg", "object", "embed", "style"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{tag}@{name}")
            if (
                name in ("href", "src", "action")
                and value
                and re.match(r"\s*(javascript|data|vbscript):", value, re.I)
            ):
                self.found.append(f"{tag}@{name}={value}")


def assert_no_active_content(html: str) -> None:
    parser = _ActiveContent()
    parser.feed(html)
    assert parser.found == []


ACTIVE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=//evil.example></iframe>",
    "<svg onload=alert(1)>",
    "<div><div><div><div><b><i><u>" * 40 + "unclosed",
    "> " * 200 + "deep quote",
]


def test_no_active_content_survives_the_comment_form(client, db, factory, login, org):
    login(factory.user())
    for body in ACTIVE:
        response = client.post(_create_url(org), data={"body": body})
        assert response.status_code == 302, body
    html = client.get(_create_url(org) + "?order=oldest").get_data(as_text=True)
    assert_no_active_content(html)
    assert db.scalar(select(func.count(Comment.id))) == len(ACTIVE)


def test_links_are_nofollow_ugc(client, factory, login, org, post, db):
    from tests.comments.conftest import age

    author = factory.user()
    age(author, db, 30)
    post(author, body="ดู [ร่างกฎหมาย](https://law.go.th/ร่าง)")
    html = client.get(_create_url(org)).get_data(as_text=True)
    assert 'rel="nofollow ugc noopener"' in html


def test_control_characters_are_removed(client, db, factory, login, org):
    login(factory.user())
    response = client.post(_create_url(org), data={"body": "ก\x00ข\x07ค\u202eง"})
    assert response.status_code == 302
    assert db.scalars(select(Comment.body)).one() == "กขคง"


def test_invalid_utf8_is_stored_harmlessly_or_refused(client, db, factory, login, org):
    login(factory.user())
    response = client.post(
        _create_url(org),
        data=b"body=%FF%FE%C3%28ok",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400, 422)
    for body in db.scalars(select(Comment.body)):
        body.encode("utf-8")  # stored text is valid UTF-8


def test_too_long_is_a_clear_422_and_keeps_the_text(client, db, factory, login, org):
    login(factory.user(locale="en"))
    body = "ก" * 5001
    response = client.post(_create_url(org), data={"body": body})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at most 5000 characters" in html
    assert body in html  # what the person wrote is not lost
    assert db.scalar(select(func.count(Comment.id))) == 0


def test_one_megabyte_body_is_refused(client, db, factory, login, org):
    login(factory.user(locale="en"))
    response = client.post(_create_url(org), data={"body": "x" * (1024 * 1024)})
    assert response.status_code in (413, 422)
    assert "too" in response.get_data(as_text=True).lower()
    assert db.scalar(select(func.count(Comment.id))) == 0


def test_empty_comment_is_422(client, factory, login, org):
    login(factory.user())
    assert client.post(_create_url(org), data={"body": "   \n "}).status_code == 422


def test_bot_trap_refuses_filled_hidden_field(client, db, factory, login, org):
    login(factory.user())
    response = client.post(_create_url(org), data={"body": "สวัสดี", "website": "http://spam.example"})
    assert response.status_code == 422
    assert db.scalar(select(func.count(Comment.id))) == 0


def test_parts_and_hearing_fields(client, db, factory, login, org, subject_policy):
    subject_policy["parts"] = [(1, "มาตรา 1"), (2, "มาตรา 2")]
    login(factory.user())
    response = client.post(
        _create_url(org),
        data={
            "body": "ควรแก้ไขมาตรา 2",
            "part_id": "2",
            "position": "suggest_change",
            "stakeholder_group": "civil_society",
            "on_behalf_of": "มูลนิธิเพื่อผู้บริโภค",
        },
    )
    assert response.status_code == 302
    comment = db.scalars(select(Comment)).one()
    assert (comment.part_id, comment.position.value, comment.stakeholder_group.value) == (
        2,
        "suggest_change",
        "civil_society",
    )
    assert comment.on_behalf_of == "มูลนิธิเพื่อผู้บริโภค"
    assert queries.counts(SUBJECT, org.id) == {0: 1, 2: 1}
    assert client.post(_create_url(org), data={"body": "x", "part_id": "9"}).status_code == 422
    assert [t.comment.id for t in queries.stream(SUBJECT, org.id, part_id=2).threads] == [comment.id]
    assert queries.stream(SUBJECT, org.id, part_id=1).threads == []
    assert queries.stream(SUBJECT, org.id, part_id=None).threads == []
    assert len(queries.stream(SUBJECT, org.id, part_id="all", position="suggest_change").threads) == 1
    assert queries.stream(SUBJECT, org.id, part_id="all", stakeholder_group="academia").threads == []


def test_service_refuses_unknown_subject(db, factory):
    import pytest

    with pytest.raises(services.CommentError) as exc:
        services.post_comment(author=factory.user(), subject_type="nothing", subject_id=1, body="x")
    assert exc.value.code == "unknown_subject"
