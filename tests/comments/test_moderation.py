"""Flags, thresholds, every moderation action and its public log, blocks, appeals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from participation.comments import queries
from participation.comments.models import Comment, CommentStatus
from participation.moderation import services
from participation.moderation.models import ActionKind, Appeal, Flag, ModerationAction
from participation.transparency.models import LedgerEntry
from tests.comments.conftest import SUBJECT


def _flag(client, comment, reason="spam", note=""):
    return client.post(f"/moderation/flag/comment/{comment.id}", data={"reason": reason, "note": note})


def _ledger_kinds(db):
    return db.scalars(select(LedgerEntry.kind).order_by(LedgerEntry.seq)).all()


def test_flag_once_per_person(client, db, factory, login, org, post):
    comment = post(factory.user())
    login(factory.user())
    assert _flag(client, comment, "abusive", "ด่าทอ").status_code == 302
    assert _flag(client, comment, "spam").status_code == 409
    assert db.scalar(select(func.count(Flag.id))) == 1


def test_flag_unique_constraint_in_the_database(db, factory, org, post):
    from sqlalchemy.exc import IntegrityError

    comment = post(factory.user())
    flagger = factory.user()
    db.add(Flag(target_type="comment", target_id=comment.id, user_id=flagger.id, reason="spam"))
    db.flush()
    db.add(Flag(target_type="comment", target_id=comment.id, user_id=flagger.id, reason="other"))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


def test_cannot_flag_own_comment(db, factory, org, post):
    author = factory.user()
    comment = post(author)
    with pytest.raises(services.ModerationError) as exc:
        services.flag(author, "comment", comment.id, "spam")
    assert exc.value.code == "own_item"


def test_anonymous_cannot_flag(client, db, factory, org, post):
    comment = post(factory.user())
    response = _flag(client, comment)
    assert response.status_code == 302 and "/signin" in response.headers["Location"]
    assert db.scalar(select(func.count(Flag.id))) == 0


def test_threshold_hides_pending_review_exactly_once(client, db, factory, org, post):
    author = factory.user()
    comment = post(author, body="ขายยาลดน้ำหนัก")
    for _ in range(2):
        services.flag(factory.user(), "comment", comment.id, "spam")
    db.commit()
    assert comment.status == CommentStatus.published
    services.flag(factory.user(), "comment", comment.id, "spam")
    db.commit()
    assert comment.status == CommentStatus.hidden and comment.hidden_reason == "pending_review"
    with pytest.raises(services.ModerationError):
        services.flag(factory.user(), "comment", comment.id, "spam")  # no longer published
    db.rollback()
    actions = db.scalars(select(ModerationAction)).all()
    assert [(a.kind, a.moderator_id) for a in actions] == [(ActionKind.auto_hide, None)]
    assert _ledger_kinds(db).count("moderation.flag_threshold") == 1
    assert queries.counts(SUBJECT, org.id)[0] == 0
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Hidden pending review" in html
    assert f"/moderation/actions/{actions[0].id}" in html
    assert "ขายยาลดน้ำหนัก" not in html


def test_threshold_is_configurable(app, db, factory, org, post):
    app.config["FLAG_HIDE_THRESHOLD"] = 1
    comment = post(factory.user())
    services.flag(factory.user(), "comment", comment.id, "abusive")
    assert comment.status == CommentStatus.hidden


def test_moderator_hides_with_public_reason_and_log(client, db, factory, login, org, post):
    author = factory.user()
    comment = post(author, body="ข้อมูลส่วนตัวของคนอื่น 0812345678")
    reply = post(factory.user(), body="คำตอบที่ยังเห็น", parent=comment)
    services.flag(factory.user(), "comment", comment.id, "personal_data", note="เบอร์โทร")
    db.commit()
    moderator = login(factory.user(moderator=True))
    queue = client.get("/moderation/")
    assert queue.status_code == 200 and "ข้อมูลส่วนตัว" in queue.get_data(as_text=True)
    response = client.post(
        f"/moderation/item/comment/{comment.id}/hide",
        data={"reason": "personal_data", "note": "มีหมายเลขโทรศัพท์ของบุคคลอื่น"},
    )
    assert response.status_code == 302
    action = db.scalars(select(ModerationAction)).one()
    assert (action.kind, action.reason, action.moderator_id) == (
        ActionKind.hide,
        "personal_data",
        moderator.id,
    )
    assert db.scalar(select(func.count(Flag.id)).where(Flag.resolved_at.is_(None))) == 0
    client.post("/signout")
    html = client.get(f"/comments/on/{SUBJECT}/{org.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Hidden by a moderator: Personal data of someone." in html
    assert "0812345678" not in html
    assert "คำตอบที่ยังเห็น" in html and f'id="comment-{reply.id}"' in html
    log = client.get("/moderation/log", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'id="action-{action.id}"' in log
    assert "มีหมายเลขโทรศัพท์ของบุคคลอื่น" in log
    assert moderator.display_name not in log and author.display_name not in log
    assert moderator.email not in log and author.email not in log
    assert "<svg" in log  # counts per reason and month drawn on the server
    assert "comment.hidden" in _ledger_kinds(db)


def test_restore_and_dismiss_and_approve(db, factory, org, post, subject_policy):
    moderator = factory.user(moderator=True)
    comment = post(factory.user())
    services.hide(moderator, "comment", comment.id, "off_topic")
    services.restore(moderator, "comment", comment.id, note="อยู่ในประเด็น")
    db.commit()
    assert comment.status == CommentStatus.published
    with pytest.raises(services.ModerationError):
        services.restore(moderator, "comment", comment.id)
    db.rollback()
    flagged = post(factory.user())
    for _ in range(3):
        services.flag(factory.user(), "comment", flagged.id, "spam")
    assert flagged.status == CommentStatus.hidden
    services.dismiss_flags(moderator, "comment", flagged.id, note="ไม่ใช่สแปม")
    db.commit()
    assert flagged.status == CommentStatus.published
    subject_policy["premoderated"] = True
    waiting = post(factory.user())
    assert waiting.status == CommentStatus.pending
    services.approve(moderator, "comment", waiting.id)
    db.commit()
    assert waiting.status == CommentStatus.published
    kinds = [a.kind for a in db.scalars(select(ModerationAction).order_by(ModerationAction.id))]
    assert kinds == [
        ActionKind.hide,
        ActionKind.restore,
        ActionKind.auto_hide,
        ActionKind.dismiss_flags,
        ActionKind.approve,
    ]
    ledger = _ledger_kinds(db)
    for kind in ("comment.hidden", "comment.restored", "moderation.flags_dismissed", "comment.approved"):
        assert kind in ledger
    assert queries.counts(SUBJECT, org.id)[0] == 3
    from participation.comments.services import reconcile

    assert reconcile(fix=False) == []


def test_premoderated_comment_is_published_by_approval_over_http(
    client, db, factory, login, org, subject_policy
):
    subject_policy["premoderated"] = True
    author = factory.user()
    login(author)
    client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "รอการอนุมัติ"})
    comment = db.scalars(select(Comment)).one()
    assert comment.status == CommentStatus.pending
    client.post("/signout")
    assert "รอการอนุมัติ" not in client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)
    login(factory.user(moderator=True))
    assert "comment" in client.get("/moderation/").get_data(as_text=True)
    response = client.post(f"/moderation/item/comment/{comment.id}/approve", data={"note": ""})
    assert response.status_code == 302
    client.post("/signout")
    assert "รอการอนุมัติ" in client.get(f"/comments/on/{SUBJECT}/{org.id}").get_data(as_text=True)


def test_moderator_cannot_moderate_own_comment(client, db, factory, login, org, post):
    moderator = factory.user(moderator=True)
    comment = post(moderator)
    for action in (
        lambda: services.hide(moderator, "comment", comment.id, "spam"),
        lambda: services.dismiss_flags(moderator, "comment", comment.id),
        lambda: services.block_user(moderator, moderator, days=1, reason="spam"),
    ):
        with pytest.raises(services.ModerationError) as exc:
            action()
        assert exc.value.code == "own_content"
    login(moderator)
    response = client.post(f"/moderation/item/comment/{comment.id}/hide", data={"reason": "spam"})
    assert response.status_code == 403
    assert db.get(Comment, comment.id).status == CommentStatus.published
    assert db.scalar(select(func.count(ModerationAction.id))) == 0


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff", "moderator", "admin"])
def test_moderation_permission_matrix(client, db, factory, login, org, post, who):
    comment = post(factory.user())
    if who != "anonymous":
        login(
            {
                "citizen": lambda: factory.user(),
                "staff": lambda: factory.staff(org),
                "moderator": lambda: factory.user(moderator=True),
                "admin": lambda: factory.user(admin=True),
            }[who]()
        )
    allowed = who in ("moderator", "admin")
    queue = client.get("/moderation/")
    hide = client.post(f"/moderation/item/comment/{comment.id}/hide", data={"reason": "spam"})
    if who == "anonymous":
        assert queue.status_code == 302 and hide.status_code == 302
        assert "/signin" in hide.headers["Location"]
    else:
        assert queue.status_code == (200 if allowed else 403)
        assert hide.status_code == (302 if allowed else 403)
    assert (db.get(Comment, comment.id).status == CommentStatus.hidden) == allowed
    assert client.get("/moderation/log").status_code == 200  # public for everyone


def test_blocked_user_cannot_post_or_flag_until_the_block_ends(client, db, factory, login, org, post):
    from datetime import timedelta

    from participation.comments import services as comment_services
    from participation.db import utcnow

    moderator = factory.user(moderator=True)
    user = factory.user(locale="en")
    other = post(factory.user())
    action = services.block_user(moderator, user, days=3, reason="abusive", note="ข่มขู่ผู้อื่น")
    db.commit()
    login(user)
    response = client.post(f"/comments/on/{SUBJECT}/{org.id}", data={"body": "ยังโพสต์ได้ไหม"})
    assert response.status_code == 403
    assert "because of a moderation decision" in response.get_data(as_text=True)
    assert _flag(client, other).status_code == 403
    assert db.scalar(select(func.count(Comment.id))) == 1
    with pytest.raises(comment_services.CommentError):
        comment_services.post_comment(
            author=user, subject_type=SUBJECT, subject_id=org.id, body="x", now=utcnow() + timedelta(days=2)
        )
    later = comment_services.post_comment(
        author=user,
        subject_type=SUBJECT,
        subject_id=org.id,
        body="หลังครบกำหนด",
        now=utcnow() + timedelta(days=4),
    )
    assert later.status == CommentStatus.published
    db.rollback()
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == "moderation.user_blocked")).one()
    assert "target_id" not in entry.payload and user.display_name not in entry.payload
    log = client.get("/moderation/log").get_data(as_text=True)
    assert f'id="action-{action.id}"' in log and "ข่มขู่ผู้อื่น" in log
    assert user.display_name not in log


def test_appeal_is_decided_by_another_moderator_and_overturn_restores(client, db, factory, login, org, post):
    author = factory.user(locale="en")
    comment = post(author, body="ความเห็นที่ถูกซ่อนผิด")
    first_mod = factory.user(moderator=True)
    second_mod = factory.user(moderator=True)
    action = services.hide(first_mod, "comment", comment.id, "off_topic")
    db.commit()
    # the author sees the decision on the page and in "my decisions"
    login(author)
    page = client.get(f"/comments/on/{SUBJECT}/{org.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Appeal this decision" in page
    mine = client.get("/moderation/mine").get_data(as_text=True)
    assert f"/moderation/actions/{action.id}" in mine
    response = client.post(f"/moderation/actions/{action.id}/appeal", data={"text": "ความเห็นนี้ตรงประเด็น"})
    assert response.status_code == 302
    again = client.post(f"/moderation/actions/{action.id}/appeal", data={"text": "อีกครั้ง"})
    assert again.status_code == 303
    assert db.scalar(select(func.count(Appeal.id))) == 1
    appeal = db.scalars(select(Appeal)).one()
    client.post("/signout")
    # the moderator who decided may not decide the appeal
    login(first_mod)
    refused = client.post(f"/moderation/appeals/{appeal.id}/decide", data={"outcome": "overturn"})
    assert refused.status_code == 403
    with pytest.raises(services.ModerationError) as exc:
        services.decide_appeal(first_mod, appeal, overturn=True)
    assert exc.value.code == "same_moderator"
    db.rollback()
    client.post("/signout")
    login(second_mod)
    response = client.post(
        f"/moderation/appeals/{appeal.id}/decide", data={"outcome": "overturn", "note": "อยู่ในประเด็นจริง"}
    )
    assert response.status_code == 302
    db.refresh(comment)
    db.refresh(appeal)
    assert comment.status == CommentStatus.published
    assert appeal.status.value == "overturned" and appeal.decided_by_id == second_mod.id
    decision = db.scalars(
        select(ModerationAction).where(ModerationAction.kind == ActionKind.appeal_overturned)
    ).one()
    assert decision.appealed_action_id == action.id
    assert "moderation.appeal_decided" in _ledger_kinds(db)
    client.post("/signout")
    log = client.get("/moderation/log", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Appeal accepted" in log
    assert "ความเห็นนี้ตรงประเด็น" not in log  # the appeal text is not public


def test_upheld_appeal_keeps_the_item_hidden_and_other_people_cannot_appeal(
    client, db, factory, login, org, post
):
    author = factory.user()
    comment = post(author)
    action = services.hide(factory.user(moderator=True), "comment", comment.id, "spam")
    db.commit()
    with pytest.raises(services.ModerationError) as exc:
        services.appeal(factory.user(), action, "ไม่ใช่ของฉันแต่ขออุทธรณ์")
    assert exc.value.code == "not_author"
    login(factory.user())
    assert client.post(f"/moderation/actions/{action.id}/appeal", data={"text": "x"}).status_code == 403
    appeal = services.appeal(author, action, "ไม่ใช่สแปม")
    services.decide_appeal(factory.user(moderator=True), appeal, overturn=False, note="เป็นโฆษณา")
    db.commit()
    assert comment.status == CommentStatus.hidden
    assert appeal.status.value == "upheld"


def test_overturned_block_is_lifted(db, factory):
    user = factory.user()
    action = services.block_user(factory.user(moderator=True), user, days=30, reason="spam")
    appeal = services.appeal(user, action, "บัญชีของฉันถูกขโมย")
    services.decide_appeal(factory.user(moderator=True), appeal, overturn=True)
    db.commit()
    assert services.active_block(user) is None


def test_decisions_tell_the_author(db, factory, org, post):
    from participation import events

    seen = []
    events.listen(seen.append)
    try:
        author = factory.user()
        comment = post(author)
        services.hide(factory.user(moderator=True), "comment", comment.id, "abusive")
    finally:
        events._listeners.remove(seen.append)
    hidden = [e for e in seen if e.kind == "comment.hidden"]
    assert hidden and hidden[0].recipient_ids == [author.id]
    assert hidden[0].payload["reason"] == "abusive"


def test_action_page_is_public_without_personal_data(client, db, factory, org, post):
    author = factory.user(name="ผู้เขียนลับ")
    moderator = factory.user(moderator=True, name="ผู้ดูแลลับ")
    comment = post(author)
    action = services.hide(moderator, "comment", comment.id, "spam", note="โฆษณาขายของ")
    db.commit()
    html = client.get(f"/moderation/actions/{action.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "โฆษณาขายของ" in html and "a moderator" in html
    assert "ผู้เขียนลับ" not in html and "ผู้ดูแลลับ" not in html
    assert not re.search(r"[\w.+-]+@example\.org", html)


def test_queue_filters(client, db, factory, login, org, post):
    a = post(factory.user(), body="ข้อความแรก-AAA")
    b = post(factory.user(), body="ข้อความสอง-BBB")
    services.flag(factory.user(), "comment", a.id, "spam")
    services.flag(factory.user(), "comment", b.id, "abusive")
    db.commit()
    login(factory.user(moderator=True))
    spam_only = client.get("/moderation/?reason=spam").get_data(as_text=True)
    assert "AAA" in spam_only and "BBB" not in spam_only
    old_only = client.get("/moderation/?age=48").get_data(as_text=True)
    assert "AAA" not in old_only
    assert client.get("/moderation/?reason=nonsense").status_code == 400
    assert client.get("/moderation/?type=initiative").status_code == 200
