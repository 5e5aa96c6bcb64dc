"""The moderator's pages through HTTP: item, block, dismiss, restore, appeals; and the ledger catalogue."""

from __future__ import annotations

from sqlalchemy import select

from participation.comments import services as comment_services
from participation.comments.models import CommentStatus
from participation.moderation import services
from participation.moderation.models import ActionKind, ModerationAction, UserBlock
from participation.transparency.models import LedgerEntry
from tests.comments.conftest import SUBJECT


def test_item_page_offers_the_decisions(client, db, factory, login, org, post):
    comment = post(factory.user(), body="เนื้อหาที่ถูกรายงาน")
    services.flag(factory.user(), "comment", comment.id, "spam", note="ลิงก์ขายของ")
    db.commit()
    login(factory.user(moderator=True, locale="en"))
    html = client.get(f"/moderation/item/comment/{comment.id}").get_data(as_text=True)
    assert "เนื้อหาที่ถูกรายงาน" in html and "ลิงก์ขายของ" in html
    for action in ("/hide", "/dismiss", "/block-author"):
        assert f"/moderation/item/comment/{comment.id}{action}" in html
    assert client.get("/moderation/item/comment/999999").status_code == 404


def test_block_and_dismiss_and_restore_over_http(client, db, factory, login, org, post):
    author = factory.user()
    comment = post(author)
    for _ in range(3):
        services.flag(factory.user(), "comment", comment.id, "abusive")
    db.commit()
    assert comment.status == CommentStatus.hidden
    login(factory.user(moderator=True))
    response = client.post(f"/moderation/item/comment/{comment.id}/dismiss", data={"note": "ไม่ผิดกติกา"})
    assert response.status_code == 302
    db.refresh(comment)
    assert comment.status == CommentStatus.published
    client.post(f"/moderation/item/comment/{comment.id}/hide", data={"reason": "abusive", "note": ""})
    db.refresh(comment)
    assert comment.status == CommentStatus.hidden
    client.post(f"/moderation/item/comment/{comment.id}/restore", data={"note": "ทบทวนแล้ว"})
    db.refresh(comment)
    assert comment.status == CommentStatus.published
    bad = client.post(
        f"/moderation/item/comment/{comment.id}/block-author", data={"reason": "abusive", "days": "0"}
    )
    assert bad.status_code == 303
    assert db.scalars(select(UserBlock)).first() is None
    response = client.post(
        f"/moderation/item/comment/{comment.id}/block-author",
        data={"reason": "abusive", "days": "7", "note": ""},
    )
    assert response.status_code == 302
    block = db.scalars(select(UserBlock)).one()
    assert block.user_id == author.id
    kinds = [a.kind for a in db.scalars(select(ModerationAction).order_by(ModerationAction.id))]
    assert kinds == [
        ActionKind.auto_hide,
        ActionKind.dismiss_flags,
        ActionKind.hide,
        ActionKind.restore,
        ActionKind.block_user,
    ]


def test_other_moderator_sees_the_appeal_form_the_deciding_one_does_not(
    client, db, factory, login, org, post
):
    author = factory.user()
    comment = post(author)
    first = factory.user(moderator=True)
    action = services.hide(first, "comment", comment.id, "spam")
    services.appeal(author, action, "ขอให้ทบทวน")
    db.commit()
    login(first)
    assert "/decide" not in client.get(f"/moderation/actions/{action.id}").get_data(as_text=True)
    client.post("/signout")
    login(factory.user(moderator=True))
    html = client.get(f"/moderation/actions/{action.id}").get_data(as_text=True)
    assert "/decide" in html and "ขอให้ทบทวน" in html
    queue = client.get("/moderation/").get_data(as_text=True)
    assert f"/moderation/actions/{action.id}#appeal" in queue


def test_anonymous_reader_never_sees_the_appeal_text(client, db, factory, org, post):
    author = factory.user()
    comment = post(author)
    action = services.hide(factory.user(moderator=True), "comment", comment.id, "spam")
    services.appeal(author, action, "ข้อความอุทธรณ์ส่วนตัว")
    db.commit()
    html = client.get(f"/moderation/actions/{action.id}").get_data(as_text=True)
    assert "ข้อความอุทธรณ์ส่วนตัว" not in html


def test_event_catalogue_in_the_ledger(db, factory, org, post):
    author = factory.user()
    comment = post(author, body="หนึ่ง")
    comment_services.edit_comment(comment, author, "หนึ่ง (แก้)")
    comment_services.delete_comment(comment, author)
    db.commit()
    entries = db.scalars(select(LedgerEntry).order_by(LedgerEntry.seq)).all()
    assert [e.kind for e in entries] == ["comment.published", "comment.edited", "comment.deleted"]
    for entry in entries:
        assert author.email not in entry.payload and "หนึ่ง" not in entry.payload
        assert f'"comment_id":{comment.id}' in entry.payload
        assert entry.subject_type == SUBJECT and entry.subject_id == org.id


def test_my_decisions_lists_decisions_about_me_only(client, db, factory, login, org, post):
    me = factory.user()
    mine = post(me)
    theirs = post(factory.user())
    moderator = factory.user(moderator=True)
    a = services.hide(moderator, "comment", mine.id, "spam")
    b = services.hide(moderator, "comment", theirs.id, "spam")
    db.commit()
    login(me)
    html = client.get("/moderation/mine").get_data(as_text=True)
    assert f"/moderation/actions/{a.id}" in html and f"/moderation/actions/{b.id}" not in html
