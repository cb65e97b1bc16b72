"""Searching a company's event indices, and the Redis states of navigating readers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

import redis
from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

from apiserver.errors import APIError
from bll.events.indices import EVENT_TYPES, EventIndices

SCROLL_KEEP = "1h"
STATE_TTL_SEC = 3600
MAX_PAGE = 10000


class EventSearch:
    """Searches over a company's event indices; missing indices read as empty."""

    def __init__(self, indices: EventIndices) -> None:
        self.indices = indices
        self.es: Elasticsearch = indices.es

    def search(self, company: str, event_types: Iterable[str], **body: Any) -> dict[str, Any]:
        """Run one search over the company's indices of the given event types."""
        return dict(self.es.search(index=self.indices.names(company, event_types),
                                   ignore_unavailable=True, allow_no_indices=True, **body))

    def page(self, company: str, event_types: Iterable[str], scroll_id: str | None,
             **body: Any) -> tuple[list[dict[str, Any]], int, str | None]:
        """Return (events, total, scroll id): the first page, or the next page of a scroll."""
        if scroll_id:
            try:
                result = dict(self.es.scroll(scroll_id=scroll_id, scroll=SCROLL_KEEP))
            except (NotFoundError, BadRequestError):
                # NOTE: expired scrolls are "not found", malformed ids a bad request.
                raise APIError("invalid_scroll_id") from None
        else:
            result = self.search(company, event_types, scroll=SCROLL_KEEP,
                                 track_total_hits=True, **body)
        hits = result["hits"]
        events = [hit["_source"] for hit in hits["hits"]]
        return events, total_of(hits), result.get("_scroll_id")

    def count(self, company: str, event_types: Iterable[str], query: dict[str, Any]) -> int:
        """Count the events matching a query."""
        result = self.es.count(index=self.indices.names(company, event_types), query=query,
                               ignore_unavailable=True, allow_no_indices=True)
        return int(result["count"])

    def delete_tasks(self, company: str, task_ids: list[str]) -> int:
        """Delete every event of the given tasks; return how many were deleted."""
        if not task_ids:
            return 0
        result = self.es.delete_by_query(
            index=self.indices.names(company, EVENT_TYPES), query={"terms": {"task": task_ids}},
            ignore_unavailable=True, allow_no_indices=True, refresh=True, conflicts="proceed",
        )
        return int(result.get("deleted", 0))


def total_of(hits: dict[str, Any]) -> int:
    """Read ``hits.total`` in either of its ES forms."""
    total = hits.get("total", 0)
    return int(total["value"] if isinstance(total, dict) else total)


def task_query(task: str, *clauses: dict[str, Any]) -> dict[str, Any]:
    """Return a filter on one task plus extra clauses."""
    return {"bool": {"filter": [{"term": {"task": task}}, *clauses]}}


class StateStore:
    """Navigation states of readers, kept in Redis with an expiry (one hour)."""

    def __init__(self, client: redis.Redis, kind: str, ttl: int = STATE_TTL_SEC) -> None:
        self.client = client
        self.kind = kind
        self.ttl = ttl

    def load(self, state_id: str | None) -> dict[str, Any] | None:
        """Return the stored state, or None when unknown or expired."""
        if not state_id:
            return None
        raw = self.client.get(f"{self.kind}_state_{state_id}")
        return json.loads(raw) if raw else None

    def save(self, state: dict[str, Any]) -> str:
        """Store the state (renewing its expiry); give it an id first if it has none."""
        state.setdefault("id", uuid.uuid4().hex)
        self.client.set(f"{self.kind}_state_{state['id']}", json.dumps(state), ex=self.ttl)
        return str(state["id"])
