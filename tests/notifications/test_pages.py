"""Following, settings, unsubscribe links and the organisation page, through HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation import db as db_module
from participation.accounts.models import OrganisationKind
from participation.notifications import services
from participation.notifications.models import (
    DeliveryPreference,
    DigestItem,
    OutboxMessage,
    Subscription,
    SubscriptionState,
)


def subscription_of(db, user, subject_type, subject_id):
    db.expire_all()
    return db.scalar(
        select(Subscription).where(
            Subscription.user_id == user.id,
            Subscription.subject_type == subject_type,
            Subscription.subject_id == subject_id,
        )
    )


def test_organisation_page_shows_name_kind_contact_and_a_follow_button(client, db, factory):
    org = factory.organisation(slug="pcd", name_th="กรมควบคุมมลพิษ", kind=OrganisationKind.department)
    org.contact = "92 ซอยพหลโยธิน 7 กรุงเทพฯ"
    db.commit()
    page = client.get("/organisations/pcd").get_data(as_text=True)
    assert "<h1>กรมควบคุมมลพิษ</h1>" in page
    assert "92 ซอยพหลโยธิน 7" in page
    assert f'href="/subscribe/organisation/{org.id}"' in page  # anonymous: follow by email
    assert client.get("/organisations/nope").status_code == 404


def test_a_signed_in_citizen_follows_and_unfollows_with_one_button(client, db, factory, login):
    org = factory.organisation(slug="moi")
    user = login(factory.user())
    page = client.get("/organisations/moi").get_data(as_text=True)
    assert f'action="/follow/organisation/{org.id}"' in page

    response = client.post(f"/follow/organisation/{org.id}", data={"next": "/organisations/moi"})
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/moi"
    assert subscription_of(db, user, "organisation", org.id).state == SubscriptionState.active
    page = client.get("/organisations/moi").get_data(as_text=True)
    assert f'action="/unfollow/organisation/{org.id}"' in page

    client.post(f"/unfollow/organisation/{org.id}", data={"next": "https://evil.example/"})
    assert subscription_of(db, user, "organisation", org.id).state == SubscriptionState.muted


def test_follow_refuses_unknown_subjects_and_anonymous_people_are_sent_to_the_address_form(
    client, db, factory, login
):
    org = factory.organisation()
    response = client.post(f"/follow/organisation/{org.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/subscribe/organisation/{org.id}"
    assert db.scalar(select(Subscription)) is None
    assert client.post(f"/unfollow/organisation/{org.id}").status_code == 302  # to sign-in
    login(factory.user())
    assert client.post(f"/follow/organisation/{org.id + 99}").status_code == 404
    assert client.post("/follow/ledger_entry/1").status_code == 404  # not a followable type
    assert db.scalar(select(Subscription)) is None


def test_settings_page_lists_and_removes_only_ones_own_subscriptions(client, db, factory, login):
    org = factory.organisation(name_th="กรมทดสอบ")
    other_user = factory.user()
    others = services.follow(other_user, "organisation", org.id)
    db.commit()
    assert client.get("/account/notifications").status_code == 302  # sign in first
    user = login(factory.user())
    assert "/account/notifications" in client.get("/account").get_data(as_text=True)
    mine = services.follow(user, "organisation", org.id)
    db.commit()

    page = client.get("/account/notifications").get_data(as_text=True)
    assert "กรมทดสอบ" in page
    assert client.post(f"/account/notifications/{others.id}/remove").status_code == 404
    assert client.post(f"/account/notifications/{mine.id}/remove").status_code == 302
    assert subscription_of(db, user, "organisation", org.id).state == SubscriptionState.muted
    assert subscription_of(db, other_user, "organisation", org.id).state == SubscriptionState.active
    assert "กรมทดสอบ" not in client.get("/account/notifications").get_data(as_text=True)


def test_digest_and_pause_preferences_are_saved_and_bad_input_is_refused(client, db, factory, login):
    user = login(factory.user())
    response = client.post("/account/notifications/preferences", data={"delivery": "weekly"})
    assert response.status_code == 422
    assert client.post("/account/notifications/preferences", data={"delivery": "digest"}).status_code == 302
    db.expire_all()
    preference = db.scalar(select(DeliveryPreference).where(DeliveryPreference.user_id == user.id))
    assert preference.digest is True and preference.paused is False
    page = client.get("/account/notifications").get_data(as_text=True)
    assert re.search(r'value="digest"[^>]*checked|checked[^>]*value="digest"', page)


def _unsubscribe_path(url: str) -> str:
    return url.removeprefix("http://localhost")


def test_the_unsubscribe_link_in_an_email_works_without_signing_in(
    client, db, factory, case, emit, run_worker, smtp
):
    org = factory.organisation()
    hearing = case(org)
    user = factory.user(email="reader@example.org", locale="en")
    services.follow(user, "nt_case", hearing.id)
    db.commit()
    emit("hearing.opened", hearing)
    run_worker()
    [mail] = smtp.messages
    link = re.search(r"http://localhost/unsubscribe/\S+", mail.get_body(("plain",)).get_content()).group(0)
    assert mail["List-Unsubscribe"] == f"<{link}>"

    page = client.get(_unsubscribe_path(link))
    assert page.status_code == 200 and "ร่างพระราชบัญญัติอากาศสะอาด" in page.get_data(as_text=True)
    assert (
        subscription_of(db, user, "nt_case", hearing.id).state == SubscriptionState.active
    )  # GET changes nothing

    done = client.post(_unsubscribe_path(link))
    assert done.status_code == 200
    assert subscription_of(db, user, "nt_case", hearing.id).state == SubscriptionState.muted

    emit("hearing.closing_soon", hearing)
    run_worker()
    assert len(smtp.messages) == 1  # nothing more after unsubscribing


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_one_click_post_needs_no_csrf_token_but_other_posts_do(csrf_on, client, db, factory):
    org = factory.organisation()
    user = factory.user()
    subscription = services.follow(user, "organisation", org.id)
    db.commit()
    token = services.unsubscribe_token(subscription)

    response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert subscription_of(db, user, "organisation", org.id).state == SubscriptionState.muted
    assert client.post(f"/follow/organisation/{org.id}").status_code == 400  # CSRF still guards the rest


def test_a_forged_or_stale_unsubscribe_link_is_refused(client, db, factory):
    org = factory.organisation()
    user = factory.user()
    subscription = services.follow(user, "organisation", org.id)
    db.commit()
    token = services.unsubscribe_token(subscription)
    assert client.post(f"/unsubscribe/{token[:-2]}xx").status_code == 400
    # A genuine link for a row that was re-created since: it changes nothing (the new row has a new nonce).
    subscription.nonce = "changed"
    db.commit()
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    assert subscription_of(db, user, "organisation", org.id).state == SubscriptionState.active


def test_direct_emails_unsubscribe_pauses_all_notification_emails(client, db, factory, case, emit):
    hearing = case(factory.organisation())
    author = factory.user(email="author@example.org")
    emit("comment.replied", hearing, recipient_ids=[author.id], public=False)
    row = db.scalar(select(OutboxMessage))
    client.post(_unsubscribe_path(row.unsubscribe_url))
    emit("comment.replied", hearing, recipient_ids=[author.id], public=False)
    db.expire_all()
    assert len(db.scalars(select(OutboxMessage)).all()) == 1
    assert db.scalar(select(DeliveryPreference.paused).where(DeliveryPreference.user_id == author.id))


# --- address subscribers ---------------------------------------------------------------------


def test_double_opt_in_for_address_subscribers(client, db, factory, case, emit, run_worker, smtp):
    org = factory.organisation(name_th="กรมทดสอบ")
    client.set_cookie("lang", "en")  # the subscriber reads the site in English
    form = client.get(f"/subscribe/organisation/{org.id}")
    assert form.status_code == 200
    bad = client.post(f"/subscribe/organisation/{org.id}", data={"email": "not-an-address"})
    assert bad.status_code == 422
    response = client.post(f"/subscribe/organisation/{org.id}", data={"email": "Guest@Example.org"})
    assert response.status_code == 200
    row = db.scalar(select(Subscription))
    assert row.email == "guest@example.org" and row.state == SubscriptionState.pending

    emit("hearing.opened", case(org))  # unconfirmed: receives nothing
    run_worker()
    [confirmation] = smtp.messages
    assert confirmation["To"] == "guest@example.org"
    link = re.search(
        r"http://localhost(/subscribe/confirm/\S+)", confirmation.get_body(("plain",)).get_content()
    )
    assert client.get(link.group(1)).status_code == 200
    db.expire_all()
    assert db.scalar(select(Subscription.state)) == SubscriptionState.pending  # GET changes nothing
    assert client.post(link.group(1)).status_code == 200
    db.expire_all()
    assert db.scalar(select(Subscription.state)) == SubscriptionState.active

    emit("hearing.opened", case(org))
    run_worker()
    assert [m["To"] for m in smtp.messages] == ["guest@example.org", "guest@example.org"]
    assert smtp.messages[1]["Subject"] == "Hearing opened: Clean Air Bill"  # in the language they chose

    # Asking again for an address that already follows sends nothing new.
    client.post(f"/subscribe/organisation/{org.id}", data={"email": "guest@example.org"})
    db.expire_all()
    assert len(db.scalars(select(OutboxMessage)).all()) == 2


def test_an_address_subscriber_who_unsubscribes_is_forgotten(client, db, factory, case, emit):
    org = factory.organisation()
    services.subscribe_address("guest@example.org", "organisation", org.id, locale="th", digest=True)
    db.commit()
    body = db.scalar(select(OutboxMessage.body_text))
    client.post(re.search(r"http://localhost(/subscribe/confirm/\S+)", body).group(1))
    emit("hearing.opened", case(org))  # a digest item waits
    subscription = db.scalar(select(Subscription))
    token = services.unsubscribe_token(subscription)

    assert client.post(f"/unsubscribe/{token}").status_code == 200
    db.expire_all()
    assert db.scalar(select(Subscription)) is None
    assert db.scalar(select(DigestItem)) is None
    assert client.post(f"/unsubscribe/{token}").status_code == 200  # the link still answers kindly


def test_old_sent_emails_are_purged(db, factory):
    from participation.notifications import delivery

    services.enqueue_email(
        to_address="old@example.org",
        template="notifications/confirm_subscription",
        locale="th",
        context={"title": "t", "url": "http://localhost/x", "hours": 72},
    )
    db.commit()
    now = db_module.utcnow() + timedelta(seconds=1)
    delivery.send_outbox(now)
    assert delivery.purge_history(now + timedelta(days=1)) == 0
    assert delivery.purge_history(now + delivery.SENT_RETENTION + timedelta(days=1)) == 1
    db.commit()
    assert db.scalar(select(OutboxMessage)) is None


def test_unconfirmed_address_subscriptions_expire(client, db, factory, app):
    org = factory.organisation()
    services.subscribe_address("late@example.org", "organisation", org.id, locale="th", digest=False)
    db.commit()
    now = db_module.utcnow()
    assert services.expire_unconfirmed(now + timedelta(days=1)) == 0
    removed = services.expire_unconfirmed(now + timedelta(seconds=app.config["EMAIL_TOKEN_MAX_AGE"] + 60))
    db.commit()
    assert removed == 1 and db.scalar(select(Subscription)) is None


def test_an_expired_confirmation_link_is_refused(client, db, factory, app):
    org = factory.organisation()
    services.subscribe_address("late@example.org", "organisation", org.id, locale="th", digest=False)
    db.commit()
    body = db.scalar(select(OutboxMessage.body_text))
    path = re.search(r"http://localhost(/subscribe/confirm/\S+)", body).group(1)
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    assert client.post(path).status_code == 400
    db.expire_all()
    assert db.scalar(select(Subscription.state)) == SubscriptionState.pending


def test_confirmation_links_are_not_resent_within_minutes(db, factory):
    org = factory.organisation()
    assert services.subscribe_address("x@example.org", "organisation", org.id, locale="th", digest=False)
    db.commit()
    assert not services.subscribe_address("x@example.org", "organisation", org.id, locale="th", digest=False)
    db.commit()
    assert len(db.scalars(select(OutboxMessage)).all()) == 1
