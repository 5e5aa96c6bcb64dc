"""Edits with public history, author deletion, form letters, new-account link limit, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation.comments import queries, services
from participation.comments.models import Comment, CommentRevision, CommentStatus
from participation.db import utcnow
from participation.identity import IdentityLevel
from tests.comments.conftest import SUBJECT, age
from tests.conftest import csrf_token_from


def test_author_edits_within_the_window_and_history_is_public(client, db, factory, login, org, post):
    author = factory.user()
    comment = post(author, body="ข้อความเดิม")
    login(author)
    response = client.post(f"/comments/{comment.id}/edit", data={"body": "ข้อความใหม่"})
    assert response.status_code == 302
    db.refresh(comment)
    assert comment.body == "ข้อความใหม่" and comment.edited_at is not None
    page = client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)
    assert f'href="/comments/{comment.id}/history"' in page
    client.post("/signout")
    history = client.get(f"/comments/{comment.id}/history").get_data(as_text=True)
    assert "ข้อความเดิม" in history and "ข้อความใหม่" in history


def test_edit_after_the_window_is_refused(db, factory, login, client, org, post):
    author = factory.user()
    comment = post(author)
    comment.created_at = utcnow() - timedelta(minutes=16)
    db.commit()
    login(author)
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "แก้ช้า"}).status_code == 403
    with pytest.raises(services.CommentError) as exc:
        services.edit_comment(comment, author, "แก้ช้า")
    assert exc.value.code == "edit_window"


def test_edit_window_is_configurable(app, db, factory, org, post):
    app.config["COMMENT_EDIT_MINUTES"] = 60
    author = factory.user()
    comment = post(author)
    services.edit_comment(comment, author, "ภายในหนึ่งชั่วโมง", now=utcnow() + timedelta(minutes=45))
    assert comment.body == "ภายในหนึ่งชั่วโมง"


def test_only_the_author_edits_or_deletes(client, db, factory, login, org, post):
    comment = post(factory.user())
    login(factory.user())
    assert client.post(f"/comments/{comment.id}/edit", data={"body": "x"}).status_code == 403
    assert client.post(f"/comments/{comment.id}/delete").status_code == 403
    assert db.get(Comment, comment.id).status == CommentStatus.published


def test_author_deletion_leaves_a_tombstone_and_replies_stay(client, db, factory, login, org, post):
    author = factory.user()
    comment = post(author, body="จะถูกลบ")
    services.edit_comment(comment, author, "แก้แล้วจะถูกลบ")
    db.commit()
    reply = post(factory.user(), body="คำตอบยังอยู่", parent=comment)
    login(author)
    assert client.post(f"/comments/{comment.id}/delete").status_code == 302
    db.refresh(comment)
    assert comment.status == CommentStatus.deleted and comment.body == ""
    assert db.scalar(select(func.count(CommentRevision.id))) == 0
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)
    assert "deleted by its author" in html or "ถูกลบโดยผู้เขียน" in html
    assert "จะถูกลบ" not in html
    assert "คำตอบยังอยู่" in html and f'id="comment-{reply.id}"' in html


def test_deleted_account_shows_as_deleted_user(client, db, factory, org, post):
    from participation.accounts import services as accounts

    author = factory.user(name="ชื่อที่ต้องหายไป")
    post(author, body="ยังอยู่")
    accounts.delete_account(author, "correct horse battery")
    db.commit()
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "ชื่อที่ต้องหายไป" not in html
    assert "deleted user" in html and "ยังอยู่" in html


def test_permalink_page_and_redirect(client, db, factory, org, post):
    first = post(factory.user(), body="ต้นเรื่อง")
    reply = post(factory.user(), body="คำตอบ", parent=first)
    page = client.get(f"/comments/{reply.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ต้นเรื่อง" in html and "comment-highlight" in html
    assert f"#comment-{reply.id}" in html
    goto = client.get(f"/comments/{reply.id}/goto")
    assert goto.status_code == 302 and goto.headers["Location"].endswith(f"#comment-{reply.id}")
    assert client.get("/comments/999999").status_code == 404


def test_form_letters_are_grouped_counted_and_listed(client, db, factory, org, post):
    letter = (
        "เรียน คณะกรรมการ ข้าพเจ้าไม่เห็นด้วยกับร่างพระราชบัญญัตินี้ เพราะจะกระทบต่อเกษตรกรรายย่อย "
        "และขอให้ทบทวนมาตรา 12 โดยด่วน"
    )
    first = post(factory.user(), body=letter)
    copies = [post(factory.user(), body=letter.replace("เรียน", f"เรียน ({i})") + "!") for i in range(3)]
    different = post(factory.user(), body="ข้าพเจ้าเห็นด้วยกับการปรับปรุงกฎหมายฉบับนี้ทั้งหมดเพราะเป็นประโยชน์ต่อประชาชน")
    assert all(c.similar_to_id == first.id for c in copies)
    assert different.similar_to_id is None
    groups = queries.form_letter_groups(SUBJECT, org.id)
    assert [(g.representative_comment_id, g.comment_ids) for g in groups] == [
        (first.id, [first.id] + [c.id for c in copies])
    ]
    assert queries.counts(SUBJECT, org.id)[0] == 5
    page = queries.stream(SUBJECT, org.id)
    assert [t.comment.id for t in page.threads] == [different.id, first.id]
    assert [s.comment.id for s in page.threads[1].similar] == [c.id for c in copies]
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "3 similar comments" in html and "<details" in html


def test_short_identical_comments_are_not_form_letters(db, factory, org, post):
    first = post(factory.user(), body="เห็นด้วย")
    second = post(factory.user(), body="เห็นด้วย")
    assert second.similar_to_id is None and first.similar_to_id is None


def test_new_accounts_may_post_only_a_few_links(client, db, factory, login, org):
    login(factory.user(locale="en"))
    body = "ดู https://a.example https://b.example https://c.example"
    response = client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": body})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at most 2 links" in html
    assert db.scalar(select(func.count(Comment.id))) == 0
    assert (
        client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "https://a.example"}).status_code == 302
    )


def test_older_accounts_may_post_more_links(db, factory, org, post):
    author = factory.user()
    age(author, db, 10)
    comment = post(author, body="https://a.example https://b.example https://c.example")
    assert comment.status == CommentStatus.published


def test_anonymous_is_sent_to_sign_in(client, db, org):
    response = client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "x"})
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert db.scalar(select(func.count(Comment.id))) == 0


@pytest.mark.parametrize(
    "who, expected",
    [
        ("unverified", 403),
        ("citizen", 302),
        ("other_staff", 302),
        ("own_staff", 302),
        ("moderator", 302),
        ("admin", 302),
    ],
)
def test_permission_matrix_for_posting(client, db, factory, login, org, who, expected):
    other = factory.organisation()
    user = {
        "unverified": lambda: factory.user(verified=False),
        "citizen": lambda: factory.user(),
        "other_staff": lambda: factory.staff(other),
        "own_staff": lambda: factory.staff(org),
        "moderator": lambda: factory.user(moderator=True),
        "admin": lambda: factory.user(admin=True),
    }[who]()
    login(user)
    response = client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "ความเห็น"})
    assert response.status_code == expected
    assert db.scalar(select(func.count(Comment.id))) == (1 if expected == 302 else 0)


def test_closed_subject_refuses_and_hides_the_form(client, db, factory, login, org, subject_policy):
    subject_policy["open"] = False
    login(factory.user(locale="en"))
    response = client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "ช้าไป"})
    assert response.status_code == 403
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)
    assert "Comments are closed here." in html and 'class="stacked-form comment-form"' not in html


def test_required_identity_level(client, db, factory, login, org, subject_policy):
    subject_policy["level"] = IdentityLevel.national_id
    login(factory.user())
    assert client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "x"}).status_code == 403


def test_unknown_subject_is_404(client, factory, login):
    login(factory.user())
    assert client.post("/comments/on/nothing/1", data={"body": "x"}).status_code == 404
    assert client.post(f"/comments/on/{SUBJECT}/999999", data={"body": "x"}).status_code == 404


class TestCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_comment_post_without_token_is_refused(self, client, db, factory, org):
        user = factory.user()
        page = client.get("/signin").get_data(as_text=True)
        client.post(
            "/signin",
            data={
                "email": user.email,
                "password": "correct horse battery",
                "csrf_token": csrf_token_from(page),
            },
        )
        response = client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "ไม่มีโทเคน"})
        assert response.status_code == 400
        assert db.scalar(select(func.count(Comment.id))) == 0
        page = client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)
        token = csrf_token_from(page)
        response = client.post(
            f"/comments/on/{SUBJECT}/{org.id}", data={"body": "มีโทเคน", "csrf_token": token}
        )
        assert response.status_code == 302
        assert db.scalar(select(func.count(Comment.id))) == 1
