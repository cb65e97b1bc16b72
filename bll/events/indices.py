"""Event index layout: one index per company and event type, created from index templates."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from elasticsearch import Elasticsearch

EVENT_TYPES = (
    "training_stats_scalar",
    "training_stats_vector",
    "training_debug_image",
    "plot",
    "log",
)
SCALAR, VECTOR, IMAGE, PLOT, LOG = EVENT_TYPES

MAPPING: dict[str, Any] = {
    "dynamic": True,
    "properties": {
        "@timestamp": {"type": "date"},
        "timestamp": {"type": "date", "format": "epoch_millis"},
        "task": {"type": "keyword"},
        "type": {"type": "keyword"},
        "worker": {"type": "keyword"},
        "iter": {"type": "long"},
        "metric": {"type": "keyword"},
        "variant": {"type": "keyword"},
        "value": {"type": "double"},
        "level": {"type": "keyword"},
        "msg": {"type": "text", "index": False},
        "key": {"type": "keyword"},
        "url": {"type": "keyword"},
        "plot_str": {"type": "text", "index": False},
    },
}


class EventIndices:
    """Names and templates of the event indices under one index prefix."""

    def __init__(self, es: Elasticsearch, prefix: str) -> None:
        self.es = es
        self.prefix = prefix

    def name(self, company: str, event_type: str) -> str:
        """Return the index of one company's events of one type."""
        return f"{self.prefix}events-{event_type}-{company.lower()}"

    def names(self, company: str, event_types: Iterable[str] = EVENT_TYPES) -> str:
        """Return a comma-separated index list for a company (for searches)."""
        return ",".join(self.name(company, t) for t in event_types)

    def prepare(self) -> None:
        """Create (or replace) the index template of the event indices."""
        self.es.indices.put_index_template(
            name=f"{self.prefix}events",
            index_patterns=[f"{self.prefix}events-*"],
            template={
                "settings": {"number_of_shards": 1, "number_of_replicas": 0},
                "mappings": MAPPING,
            },
            priority=10,
        )


def event_id(event: dict[str, Any]) -> str:
    """Return the id of a non-log event: the same (task, iter, metric, variant, key) overwrites."""
    parts = [str(event[k]) for k in ("task", "iter", "metric", "variant", "key") if k in event]
    return hashlib.md5("-".join(parts).encode(), usedforsecurity=False).hexdigest()


def name_hash(name: str) -> str:
    """Return the md5 hex digest of a metric or variant name (keys of ``last_metrics``)."""
    return hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()
