"""The cluster registry: which clusters and subclusters accept jobs, and on which hosts.

Configured under ``jobs.clusters`` (see docs/configuration.md). A subcluster lists the hosts
it owns as exact names or shell-style patterns (``f01*``, ``gpu[0-3]?``); a subcluster without
a node list accepts any host.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from apiserver.errors import APIError, ConfigError

_PREFIX = "ARCHIVE/CLUSTERCONFIG > "


@dataclass(frozen=True, slots=True)
class SubCluster:
    """A named part of a cluster and the hosts it owns (empty: any host)."""

    name: str
    nodes: tuple[str, ...] = ()

    def owns(self, hostname: str) -> bool:
        """Tell whether the node list names this host."""
        return any(fnmatchcase(hostname, pattern) for pattern in self.nodes)


@dataclass(frozen=True, slots=True)
class Cluster:
    """A cluster that accepts jobs, with its subclusters in configuration order."""

    name: str
    subclusters: tuple[SubCluster, ...]

    def subcluster(self, name: str) -> SubCluster | None:
        """Return the subcluster of this name, or None."""
        return next((s for s in self.subclusters if s.name == name), None)

    def assign_subcluster(self, given: str | None, resources: Sequence[Mapping[str, Any]]) -> str:
        """Return the job's subcluster: the given one if known, else by its first host.

        Without a given name: the first subcluster whose node list names the first host,
        else the first subcluster if it has no node list. Raises 400 ``invalid_job``.
        """
        if given:
            if self.subcluster(given) is None:
                raise APIError("invalid_job", f"{_PREFIX}already assigned subcluster {given} "
                                              f"unknown (cluster: {self.name})")
            return given
        if not resources:
            raise APIError("invalid_job", f"{_PREFIX}job without any resources/hosts")
        host = str(resources[0].get("hostname", ""))
        for subcluster in self.subclusters:
            if subcluster.owns(host):
                return subcluster.name
        if self.subclusters and not self.subclusters[0].nodes:
            return self.subclusters[0].name
        raise APIError("invalid_job", f"{_PREFIX}no subcluster found for cluster {self.name} "
                                      f"and host {host}")


class ClusterRegistry:
    """The configured clusters by name."""

    def __init__(self, clusters: Iterable[Cluster]) -> None:
        self._clusters = {c.name: c for c in clusters}

    @classmethod
    def from_config(cls, entries: Any) -> ClusterRegistry:
        """Build the registry from ``jobs.clusters``; raise ConfigError when malformed."""
        clusters = []
        for index, entry in enumerate(entries or []):
            where = f"jobs.clusters[{index}]"
            if not isinstance(entry, Mapping) or not entry.get("name"):
                raise ConfigError(f"{where} must be an object with a name")
            subclusters = []
            for sub in entry.get("subclusters") or []:
                if not isinstance(sub, Mapping) or not sub.get("name"):
                    raise ConfigError(f"{where}.subclusters: each must be an object with a name")
                nodes = sub.get("nodes") or []
                if isinstance(nodes, str) or not all(isinstance(n, str) for n in nodes):
                    raise ConfigError(f"{where}.subclusters.nodes must be a list of host names")
                subclusters.append(SubCluster(str(sub["name"]), tuple(nodes)))
            if not subclusters:
                raise ConfigError(f"{where} ({entry['name']}) declares no subclusters")
            clusters.append(Cluster(str(entry["name"]), tuple(subclusters)))
        return cls(clusters)

    def get(self, name: str) -> Cluster:
        """Return the cluster of this name; raise 400 ``invalid_job`` if it is not configured."""
        cluster = self._clusters.get(name)
        if cluster is None:
            raise APIError("invalid_job", f"no such cluster: {name}")
        return cluster

    def names(self) -> list[str]:
        """Return the configured cluster names."""
        return list(self._clusters)
