"""Version negotiation: requested version → served version, over the real seed schemas."""

from __future__ import annotations

import pytest

from apiserver.config import DEFAULT_SCHEMAS_DIR
from apiserver.registry import EndpointRegistry
from apiserver.schema.compiler import compile_schemas
from apiserver.schema.loader import load_schemas
from apiserver.versions import UNRELEASED, Version, negotiate, resolve_version


@pytest.fixture(scope="module")
def registry():
    return EndpointRegistry(compile_schemas(load_schemas(DEFAULT_SCHEMAS_DIR)), [])


V = Version.parse

CASES = [
    # (action, requested or None for unversioned, served or None for 404)
    ("queues.get_all", "2.4", "2.4"),
    ("queues.get_all", "2.14", "2.4"),
    ("queues.get_all", "2.15", "2.15"),
    ("queues.get_all", "2.99", "2.15"),
    ("queues.get_all", None, "2.15"),
    ("queues.get_all", "2.3", None),
    ("queues.create", "2.13", "2.13"),
    ("queues.create", "2.12", "2.4"),
    ("events.get_task_log", "1.5", "1.5"),
    ("events.get_task_log", "1.6", "1.5"),
    ("events.get_task_log", "2.0", "1.7"),
    ("events.get_task_log", "2.7", "2.7"),
    ("events.get_task_log", "1.4", None),
    ("events.get_task_log", None, "2.7"),
    ("workers.get_all", "2.4", "2.4"),
    ("workers.get_all", "2.20", "2.4"),
    ("workers.get_all", "999.0", "999.0"),
    ("workers.get_all", None, "2.4"),
    ("tasks.completed", "2.1", None),
    ("tasks.completed", "2.2", "2.2"),
    ("tasks.enqueue", "2.9", "1.5"),
    ("tasks.nope", "2.4", None),
]


@pytest.mark.parametrize(("action", "requested", "served"), CASES)
def test_negotiation_table(registry, action, requested, served):
    result = negotiate(
        registry.versions(action),
        None if requested is None else V(requested),
        registry.latest_released,
    )
    assert (None if result is None else str(result)) == served


def test_versions_compare_numerically_per_component():
    assert V("2.4") < V("2.9") < V("2.13") < V("2.15") < V("999.0")
    assert sorted(map(V, ["2.13", "999.0", "2.4", "2.9"])) == list(map(V, ["2.4", "2.9", "2.13",
                                                                         "999.0"]))


@pytest.mark.parametrize("text", ["2", "2.x", "v2.4", "2.4.1", "", " 2.4", "-1.0"])
def test_malformed_versions_are_rejected(text):
    with pytest.raises(ValueError):
        V(text)


def test_resolve_version_picks_highest_at_or_below():
    available = [V("1.0"), V("1.5"), V("2.0"), UNRELEASED]
    assert resolve_version(available, V("1.7")) == V("1.5")
    assert resolve_version(available, V("0.1")) is None
    assert resolve_version(available, V("998.9")) == V("2.0")
    assert resolve_version(available, V("999.0")) == UNRELEASED


def test_unreleased_flag():
    assert UNRELEASED.is_unreleased and not V("2.34").is_unreleased
