"""Posting and flagging are rate limited: 429 with Retry-After, in the reader's language."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from participation.comments.models import Comment
from participation.moderation.models import Flag
from tests.comments.conftest import SUBJECT


@pytest.fixture
def config_overrides():
    return {
        "RATELIMIT_ENABLED": True,
        "COMMENT_RATE_LIMIT": "2 per minute",
        "FLAG_RATE_LIMIT": "1 per minute",
    }


@pytest.mark.parametrize(
    "locale, title",
    [("th", "มีคำขอมากเกินไป"), ("en", "Too many requests")],
)
def test_posting_too_fast_is_429_with_retry_after(client, db, factory, login, org, locale, title):
    login(factory.user(locale=locale))
    url = f"/comments/on/{SUBJECT}/{org.id}"
    assert client.post(url, data={"body": "หนึ่ง"}).status_code == 302
    assert client.post(url, data={"body": "สอง"}).status_code == 302
    response = client.post(url, data={"body": "สาม"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert title in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Comment.id))) == 2


def test_limit_is_per_person(client, db, factory, login, org, app):
    url = f"/comments/on/{SUBJECT}/{org.id}"
    login(factory.user())
    for body in ("หนึ่ง", "สอง"):
        client.post(url, data={"body": body})
    assert client.post(url, data={"body": "สาม"}).status_code == 429
    client.post("/signout")
    login(factory.user())
    assert client.post(url, data={"body": "คนใหม่"}).status_code == 302


def test_flagging_too_fast_is_429(client, db, factory, login, org, post):
    a, b = post(factory.user()), post(factory.user())
    login(factory.user(locale="en"))
    assert client.post(f"/moderation/flag/comment/{a.id}", data={"reason": "spam"}).status_code == 302
    response = client.post(f"/moderation/flag/comment/{b.id}", data={"reason": "spam"})
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert db.scalar(select(func.count(Flag.id))) == 1
