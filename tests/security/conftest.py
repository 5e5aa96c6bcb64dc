"""Fixtures of the security suite: the fixed world and a signed-in client per role."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.security.world import ROLES, build_world


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    """The world has a dozen accounts; scrypt's slowness is tested by the accounts suite."""
    from werkzeug.security import generate_password_hash

    from participation.accounts import services as account_services

    monkeypatch.setattr(
        account_services,
        "hash_password",
        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"),
    )


@pytest.fixture
def world(db):
    return build_world(db)


def client_as(app, world, role):
    """A fresh test client signed in as ``role`` (anonymous: not signed in)."""
    client = app.test_client()
    if role != "anonymous":
        user = world.users[role]
        response = client.post("/signin", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, f"cannot sign in as {role}"
    return client


@pytest.fixture
def clients(app, world):
    return {role: client_as(app, world, role) for role in ROLES}
