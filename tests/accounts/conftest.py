"""A local OpenID Connect provider for the digital-ID tests (127.0.0.1 only)."""

from __future__ import annotations

import pytest

from tests.accounts.oidc_provider import LocalProvider


@pytest.fixture(scope="session")
def oidc_server():
    server = LocalProvider().start()
    yield server
    server.stop()


@pytest.fixture
def provider(oidc_server):
    from participation.accounts import oidc

    oidc_server.reset()
    oidc.clear_cache()
    yield oidc_server
    oidc.clear_cache()


@pytest.fixture
def config_overrides(provider):
    return {"OIDC_PROVIDERS": [provider.settings()]}
