"""Shared test helpers: hermetic configuration, fixture apps and tokens."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from falcon.testing import TestClient

from apiserver.app import create_app
from apiserver.auth import Authenticator, Identity
from apiserver.config import Config, load_config
from apiserver.registry import Binding
from apiserver.schema.model import SchemaSet

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "test-secret-of-at-least-thirty-two-bytes"
USER = Identity(user="u1", company="c1", role="user", user_name="Ann", company_name="Acme")
ADMIN = Identity(user="u2", company="c1", role="admin", user_name="Bob", company_name="Acme")
CREDENTIALS = {("key1", "secret1"): USER}


def make_config(**overrides: Any) -> Config:
    """Build a configuration that ignores the environment, with dotted-path overrides."""
    base = {"apiserver.validation.responses": "error", "secure.auth.token_secret": SECRET}
    base.update({k.replace("__", "."): v for k, v in overrides.items()})
    return load_config(environ={}, overrides=base)


def token(identity: Identity = USER, **claims: Any) -> str:
    """Sign a token for an identity, valid for an hour unless claims say otherwise."""
    now = int(time.time())
    body = {"identity": identity.as_claim(), "iat": now, "exp": now + 3600, **claims}
    return authenticator().encode_token(body)


def authenticator() -> Authenticator:
    """Return an authenticator knowing one access key."""
    return Authenticator(SECRET, credentials=lambda k, s: CREDENTIALS.get((k, s)))


def bearer(identity: Identity = USER) -> dict[str, str]:
    """Return an Authorization header for the identity."""
    return {"Authorization": f"Bearer {token(identity)}"}


def fixture_client(
    schemas: str,
    bindings: Callable[[SchemaSet, Config], Iterable[Binding]],
    **overrides: Any,
) -> TestClient:
    """Build a TestClient over a fixture schema folder with the given handler bindings."""
    config = make_config(apiserver__schemas_dir=str(FIXTURES / "schemas" / schemas), **overrides)
    return TestClient(create_app(config, bindings=bindings, authenticator=authenticator()))


@pytest.fixture
def real_config() -> Config:
    """Configuration over the project's own service schemas."""
    return make_config()
