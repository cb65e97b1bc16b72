"""Adding events: per-event validation and normalisation, one bulk request, one task update.

PERF: a batch costs one task lookup, one bulk request (a pre-serialised ndjson body) and one
aggregated task update, whatever its size.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from apiserver.errors import APIError
from bll.events.indices import EVENT_TYPES, LOG, SCALAR, VECTOR, EventIndices, event_id
from bll.events.tasks import LOCKED_STATUSES, TaskAccess, TaskUpdate

IGNORE_ITERATION_METRICS = frozenset({":monitor:machine", ":monitor:gpu"})
INDEXING_FAILED = "Error when indexing events batch"


class EventWriter:
    """Validate, normalise and index events; update the tasks they belong to."""

    def __init__(self, indices: EventIndices, tasks: TaskAccess, refresh: str = "true") -> None:
        self.indices = indices
        self.tasks = tasks
        self.refresh = refresh

    def add(self, company: str, events: Iterable[dict[str, Any]], worker: str,
            errors: Mapping[str, int] | None = None) -> dict[str, Any]:
        """Store the valid events; count the others by reason; fail only if none is added."""
        events = list(events)
        reasons: Counter[str] = Counter(errors or {})
        now = time.time()
        now_ms = int(now * 1000)
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        tasks = self.tasks.find(company, {e["task"] for e in events
                                          if isinstance(e.get("task"), str)}, ("status",))
        index_names = {t: self.indices.name(company, t) for t in EVENT_TYPES}
        body = bytearray()
        updates: dict[str, TaskUpdate] = {}
        count = 0
        for event in events:
            reason = normalise(event, worker, now_ms, stamp)
            if reason is None:
                task = tasks.get(event["task"])
                if task is None or task.get("status") in LOCKED_STATUSES:
                    reason = "Invalid task id"
            if reason is not None:
                reasons[reason] += 1
                continue
            event_type = event["type"]
            if event_type == LOG:
                action: dict[str, Any] = {"index": {"_index": index_names[LOG]}}
            else:
                action = {"index": {"_index": index_names[event_type], "_id": event_id(event)}}
            body += orjson.dumps(action) + b"\n" + orjson.dumps(event) + b"\n"
            count += 1
            track(updates.setdefault(event["task"], TaskUpdate()), event)
        added = self._index(bytes(body), count, reasons) if count else 0
        if not added:
            detail = ", ".join(f"{r}={n}" for r, n in reasons.items())
            raise APIError("events_not_added", detail or None)
        self.tasks.apply(company, updates)
        return {"added": added, "errors": sum(reasons.values()), "errors_info": dict(reasons)}

    def _index(self, body: bytes, count: int, reasons: Counter[str]) -> int:
        # NOTE: the client passes a pre-serialised ndjson body through unchanged.
        result = self.indices.es.bulk(operations=body,  # type: ignore[arg-type]
                                      refresh=self.refresh)
        if not result.get("errors"):
            return count
        failed = sum(1 for item in result["items"]
                     if next(iter(item.values())).get("status", 500) >= 300)
        if failed:
            reasons[INDEXING_FAILED] += failed
        return count - failed


def normalise(event: dict[str, Any], worker: str, now_ms: int, stamp: str) -> str | None:
    """Normalise one event in place; return why it is invalid, or None."""
    event_type = event.get("type")
    if not event_type:
        return "Event must have a 'type' field"
    event_type = str(event_type).replace(" ", "_")
    if event_type not in EVENT_TYPES:
        return f"Invalid event type {event_type}"
    event["type"] = event_type
    if not event.get("task"):
        return "Event must have a 'task' field"
    event.pop("method", None)
    event["@timestamp"] = stamp
    if "ts" in event:
        event["timestamp"] = event.pop("ts")
    timestamp = event.get("timestamp")
    event["timestamp"] = int(timestamp) if timestamp is not None else now_ms
    if not event.get("worker"):
        event["worker"] = worker
    if event_type == LOG:
        if isinstance(event.get("level"), str):
            event["level"] = event["level"].lower()  # NOTE: the agent sends "INFO", "DEBUG"
        return None
    if "iter" in event:
        event["iter"] = int(event["iter"])
    if "values" in event:
        event["value"] = event.pop("values")
    if event_type == SCALAR and "value" in event:
        value = event["value"]
        if not isinstance(value, int | float) or not math.isfinite(value):
            return "Scalar value must be a finite number"
    elif event_type == VECTOR and not isinstance(event.get("value", []), list):
        return "Vector values must be a list"
    event["metric"] = event.get("metric") or ""
    event["variant"] = event.get("variant") or ""
    return None


def track(update: TaskUpdate, event: dict[str, Any]) -> None:
    """Fold one valid event into its task's update."""
    iteration = event.get("iter")
    if iteration is not None and event.get("metric") not in IGNORE_ITERATION_METRICS:
        update.saw_iteration(iteration)
    if event["type"] == SCALAR and "value" in event:
        update.saw_scalar(event["metric"], event["variant"], event["value"],
                          (iteration or 0, event["timestamp"]))
