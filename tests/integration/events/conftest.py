"""Fixtures of the events tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.events.api import Api


@pytest.fixture
def api(server: Any) -> Api:
    """A logged-in user of company acme."""
    return Api(server)
