"""The cluster registry and the jobs configuration."""

from __future__ import annotations

import pytest

from apiserver.cli import _parser
from apiserver.errors import APIError, ConfigError
from bll.jobs import ClusterRegistry, MarkArchived, NoArchiving
from endpoints.jobs_domain import archiver
from tests.conftest import make_config

ALEX = {"name": "alex", "subclusters": [
    {"name": "a40", "nodes": ["a04*", "a0500"]},
    {"name": "a100", "nodes": ["a06*"]},
]}
OPEN = {"name": "open", "subclusters": [{"name": "any"}, {"name": "gpu", "nodes": ["g*"]}]}


def registry() -> ClusterRegistry:
    return ClusterRegistry.from_config([ALEX, OPEN])


def hosts(*names: str) -> list[dict[str, str]]:
    return [{"hostname": n} for n in names]


def test_the_packaged_default_declares_fritz_whose_main_subcluster_accepts_any_host():
    clusters = ClusterRegistry.from_config(make_config().get("jobs.clusters"))
    assert clusters.names() == ["fritz"]
    assert clusters.get("fritz").assign_subcluster(None, hosts("anything")) == "main"


@pytest.mark.parametrize(("cluster", "given", "first_host", "expected"), [
    ("alex", None, "a0412", "a40"),
    ("alex", None, "a0500", "a40"),
    ("alex", None, "a0601", "a100"),
    ("alex", "a100", "a0412", "a100"),
    ("open", None, "g7", "gpu"),
    ("open", None, "x", "any"),
])
def test_a_subcluster_is_given_or_found_by_the_first_host(cluster, given, first_host, expected):
    assert registry().get(cluster).assign_subcluster(given, hosts(first_host, "a0601")) == expected


@pytest.mark.parametrize(("cluster", "given", "resources", "message"), [
    ("alex", "h100", hosts("a0412"), "already assigned subcluster h100 unknown (cluster: alex)"),
    ("alex", None, [], "job without any resources/hosts"),
    ("alex", None, hosts("a0501"), "no subcluster found for cluster alex and host a0501"),
])
def test_subcluster_failures_are_invalid_job(cluster, given, resources, message):
    with pytest.raises(APIError) as caught:
        registry().get(cluster).assign_subcluster(given, resources)
    assert caught.value.code == 400 and caught.value.extra.endswith(message)


def test_an_unknown_cluster_is_invalid_job():
    with pytest.raises(APIError) as caught:
        registry().get("fritz")
    assert caught.value.extra == "no such cluster: fritz"


@pytest.mark.parametrize("entries", [
    [{"subclusters": [{"name": "a"}]}],
    [{"name": "x"}],
    [{"name": "x", "subclusters": [{"nodes": []}]}],
    [{"name": "x", "subclusters": [{"name": "a", "nodes": "a*"}]}],
])
def test_a_malformed_cluster_configuration_is_a_config_error(entries):
    with pytest.raises(ConfigError):
        ClusterRegistry.from_config(entries)


def test_the_archiver_is_chosen_by_configuration():
    assert isinstance(archiver(make_config()), MarkArchived)
    assert isinstance(archiver(make_config(jobs__archiver="none")), NoArchiving)
    with pytest.raises(ConfigError):
        archiver(make_config(jobs__archiver="tape"))


def test_users_can_be_created_with_the_api_role():
    args = _parser().parse_args(["users", "create", "--company", "c", "--name", "n",
                                 "--role", "api"])
    assert args.role == "api"
