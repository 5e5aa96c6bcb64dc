"""From events to emails: who is told, who is not, and what the email says."""

from __future__ import annotations

from sqlalchemy import func, select

from participation.events import Event, publish
from participation.notifications import services
from participation.notifications.models import (
    OutboxMessage,
    Subscription,
    SubscriptionOrigin,
    SubscriptionState,
)


def recipients(db) -> list[str]:
    db.expire_all()
    return sorted(
        db.scalars(select(OutboxMessage.to_address).where(OutboxMessage.kind == "notifications/event"))
    )


def test_followers_of_the_subject_and_of_its_organisation_are_told_once(db, factory, case, emit):
    org = factory.organisation()
    hearing = case(org)
    both = factory.user(email="both@example.org")
    org_only = factory.user(email="org@example.org")
    subject_only = factory.user(email="subject@example.org")
    factory.user(email="stranger@example.org")
    for user, targets in (
        (both, [("organisation", org.id), ("nt_case", hearing.id)]),
        (org_only, [("organisation", org.id)]),
        (subject_only, [("nt_case", hearing.id)]),
    ):
        for subject_type, subject_id in targets:
            services.follow(user, subject_type, subject_id)
    db.commit()

    emit("hearing.opened", hearing)

    assert recipients(db) == ["both@example.org", "org@example.org", "subject@example.org"]


def test_the_outbox_row_is_written_in_the_transaction_of_the_change(db, factory, case):
    org = factory.organisation()
    services.follow(factory.user(email="f@example.org"), "organisation", org.id)
    db.commit()
    publish(Event(kind="hearing.opened", subject_type="nt_case", subject_id=case(org).id))
    db.rollback()  # the change that caused the event is abandoned
    assert recipients(db) == []


def test_no_email_to_the_actor_the_unverified_or_people_who_muted(db, factory, case, emit):
    org = factory.organisation()
    hearing = case(org)
    actor = factory.user(email="actor@example.org")
    unverified = factory.user(email="unverified@example.org", verified=False)
    muted = factory.user(email="muted@example.org")
    listener = factory.user(email="listener@example.org")
    for user in (actor, unverified, muted, listener):
        services.follow(user, "organisation", org.id)
    services.unfollow(muted, "nt_case", hearing.id)  # follows the organisation but muted this hearing
    db.commit()

    emit("hearing.report_published", hearing, actor_id=actor.id)

    assert recipients(db) == ["listener@example.org"]


def test_paused_recipients_get_nothing(db, factory, case, emit):
    org = factory.organisation()
    user = factory.user(email="paused@example.org")
    services.follow(user, "organisation", org.id)
    services.set_preferences(user, digest=False, paused=True)
    db.commit()
    emit("hearing.opened", case(org))
    assert recipients(db) == []


def test_one_email_per_event_and_recipient(db, factory, case, emit):
    org = factory.organisation()
    hearing = case(org)
    user = factory.user(email="once@example.org")
    services.follow(user, "organisation", org.id)
    services.follow(user, "nt_case", hearing.id)
    db.commit()
    event = emit("initiative.threshold_reached", hearing, recipient_ids=[user.id])
    emit("initiative.threshold_reached", hearing)  # a second event is a second email
    assert recipients(db) == ["once@example.org", "once@example.org"]
    keys = db.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)).all()
    assert keys[0] == f"notify:s{event.seq}:u:{user.id}"

    # The listener running again for the same event (e.g. a retried job) adds nothing.
    from participation.notifications import dispatch

    dispatch.on_event(event)
    db.commit()
    assert len(recipients(db)) == 2


def test_unknown_kinds_and_comments_do_not_email_every_follower(db, factory, case, emit):
    org = factory.organisation()
    hearing = case(org)
    services.follow(factory.user(email="f@example.org"), "nt_case", hearing.id)
    db.commit()
    emit("hearing.section_edited", hearing)
    emit("comment.published", hearing, actor_id=factory.user().id)
    emit("initiative.signed", hearing, public=False)
    assert recipients(db) == []


def test_direct_recipients_get_a_reply_email_without_others_personal_data(
    db, factory, case, emit, run_worker, smtp
):
    org = factory.organisation()
    hearing = case(org)
    author = factory.user(email="author@example.org", locale="en")
    replier = factory.user(email="replier.private@example.org", name="Replier Person")
    emit(
        "comment.replied",
        hearing,
        actor_id=replier.id,
        recipient_ids=[author.id],
        public=False,
        payload={"url": f"/cases/{hearing.id}#comment-7"},
    )
    run_worker()
    [mail] = smtp.messages
    assert mail["To"] == "author@example.org"
    assert mail["Subject"] == "Reply to your comment: Clean Air Bill"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"http://localhost/cases/{hearing.id}#comment-7" in text
    for body in (text, html, str(mail)):
        assert "replier.private@example.org" not in body
        assert "Replier Person" not in body
    assert "because it is about your own contribution" in text


def test_moderation_decisions_reach_the_author_even_for_unlisted_kinds(db, factory, case, emit):
    hearing = case(factory.organisation())
    author = factory.user(email="author@example.org")
    emit("comment.hidden", hearing, recipient_ids=[author.id], payload={"reason": "spam"})
    emit("moderation.block_lifted", hearing, recipient_ids=[author.id], public=False)
    assert recipients(db) == ["author@example.org", "author@example.org"]


def test_report_answers_reach_each_commenter_with_their_own_comments_only(
    db, factory, case, emit, run_worker, smtp
):
    org = factory.organisation()
    hearing = case(org)
    alice = factory.user(email="alice@example.org", locale="en")
    bob = factory.user(email="bob@example.org", locale="en")
    follower = factory.user(email="follower@example.org", locale="en")
    services.follow(follower, "nt_case", hearing.id)
    db.commit()
    emit(
        "hearing.report_published",
        hearing,
        private={
            "answers": {
                str(alice.id): [{"comment_id": 11, "disposition": "accepted"}, 12],
                bob.id: [{"comment_id": 21, "url": "/c/21", "disposition": "not_accepted"}],
            }
        },
    )
    run_worker()
    alice_text = smtp.to("alice@example.org")[0].get_body(("plain",)).get_content()
    bob_text = smtp.to("bob@example.org")[0].get_body(("plain",)).get_content()
    follower_text = smtp.to("follower@example.org")[0].get_body(("plain",)).get_content()
    assert "Your comment no. 11: Taken into account" in alice_text
    assert "http://localhost/comments/12" in alice_text  # the comment's permalink
    assert "no. 21" not in alice_text
    assert "Your comment no. 21: Not taken into account — http://localhost/c/21" in bob_text
    assert "Your comment no." not in follower_text
    assert "published the hearing report" in follower_text


def test_default_follows_from_comments_signatures_and_authorship(db, factory, case, emit):
    org = factory.organisation()
    hearing, initiative = case(org), case(org)
    commenter, signer, author = factory.user(), factory.user(), factory.user()

    emit(
        "comment.published",
        hearing,
        subject_type="nt_comment",
        actor_id=commenter.id,
        payload={"subject_type": "nt_case", "subject_id": hearing.id},
    )
    emit("initiative.signed", initiative, actor_id=signer.id, public=False)
    emit("initiative.submitted", initiative, actor_id=author.id)

    rows = db.scalars(select(Subscription).order_by(Subscription.id)).all()
    assert [(r.user_id, r.subject_id, r.origin, r.state) for r in rows] == [
        (commenter.id, hearing.id, SubscriptionOrigin.automatic, SubscriptionState.active),
        (signer.id, initiative.id, SubscriptionOrigin.automatic, SubscriptionState.active),
        (author.id, initiative.id, SubscriptionOrigin.automatic, SubscriptionState.active),
    ]


def test_an_explicit_unfollow_is_remembered_against_default_follows(db, factory, case, emit):
    hearing = case(factory.organisation())
    user = factory.user(email="muted@example.org")
    services.unfollow(user, "nt_case", hearing.id)
    db.commit()
    emit("comment.published", hearing, actor_id=user.id)
    row = db.scalar(select(Subscription).where(Subscription.user_id == user.id))
    assert row.state == SubscriptionState.muted
    emit("hearing.report_published", hearing)
    assert recipients(db) == []
    # Following again explicitly wins over the remembered mute.
    services.follow(user, "nt_case", hearing.id)
    db.commit()
    emit("hearing.report_published", hearing)
    assert recipients(db) == ["muted@example.org"]


def test_events_published_by_worker_jobs_build_links_without_a_request(db, factory, case):
    from flask import has_request_context

    assert not has_request_context()  # as in a worker job
    org = factory.organisation()
    services.follow(factory.user(email="f@example.org"), "organisation", org.id)
    db.commit()
    publish(
        Event(
            kind="hearing.closing_soon",
            subject_type="nt_case",
            subject_id=case(org).id,
            payload={"closes_at": "2026-12-01T10:00:00+00:00"},
        )
    )
    db.commit()
    row = db.scalar(select(OutboxMessage))
    assert "http://localhost/cases/" in row.body_text
    assert row.unsubscribe_url.startswith("http://localhost/unsubscribe/")
    assert "2569" in row.body_text  # the closing date, Buddhist Era for a Thai reader


def test_subscription_invariants_hold_in_the_database(db, factory):
    import pytest
    from sqlalchemy.exc import IntegrityError

    user = factory.user()
    org = factory.organisation()
    services.follow(user, "organisation", org.id)
    db.commit()
    db.add(Subscription(user_id=user.id, subject_type="organisation", subject_id=org.id))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    db.add(
        Subscription(
            user_id=user.id, email="x@example.org", subject_type="organisation", subject_id=org.id + 1
        )
    )
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    db.add(Subscription(subject_type="organisation", subject_id=org.id))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Subscription)) == 1


def test_budget_phase_changes_are_told_by_the_phase_reached(db, factory, case, emit):
    org = factory.organisation()
    process = case(org, title_en="Bang Rak 2027 budget")
    services.follow(factory.user(email="voter@example.org", locale="en"), "nt_case", process.id)
    db.commit()
    emit("budget.phase_changed", process, payload={"from": "review", "to": "voting"})
    emit("budget.phase_changed", process, payload={"from": "voting", "to": "results"})  # told by the results
    emit("budget.results_published", process, payload={"ballots": 120})
    subjects = db.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)).all()
    assert subjects == [
        "Budget vote opened: Bang Rak 2027 budget",
        "Budget results published: Bang Rak 2027 budget",
    ]


def test_initiative_emails_state_the_public_numbers(db, factory, case, emit):
    initiative = case(factory.organisation(), title_en="Free public transport")
    services.follow(factory.user(email="f@example.org", locale="en"), "nt_case", initiative.id)
    db.commit()
    emit("initiative.milestone", initiative, payload={"pct": 50})
    emit("initiative.threshold_reached", initiative, payload={"signatures": 10000, "threshold": 10000})
    bodies = db.scalars(select(OutboxMessage.body_text).order_by(OutboxMessage.id)).all()
    assert "It has reached 50% of the signatures it needs." in bodies[0]
    assert "10,000 of 10,000 signatures." in bodies[1]


def test_report_published_to_many_commenters_links_each_to_a_preference(db, factory, case, emit):
    from participation.notifications.models import DeliveryPreference

    hearing = case(factory.organisation())
    authors = [factory.user(email=f"a{i}@example.org") for i in range(5)]
    services.set_preferences(authors[0], digest=False, paused=True)  # one paused already
    db.commit()
    emit(
        "hearing.report_published",
        hearing,
        recipient_ids=[a.id for a in authors],
        private={"answers": {a.id: [i + 1] for i, a in enumerate(authors)}},
    )
    assert recipients(db) == [f"a{i}@example.org" for i in range(1, 5)]
    assert len(db.scalars(select(DeliveryPreference)).all()) == 5
    urls = db.scalars(select(OutboxMessage.unsubscribe_url)).all()
    assert len(set(urls)) == 4
