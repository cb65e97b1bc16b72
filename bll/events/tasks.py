"""Raw access to the task documents events belong to (MongoDB ``backend.task``).

NOTE: the tasks service owns these documents; events only read a task's company, status and
name, and update ``last_iteration``, ``last_update`` and ``last_metrics`` with atomic operators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.collection import Collection

from apiserver.errors import APIError
from bll.events.indices import name_hash

LOCKED_STATUSES = frozenset({"published", "publishing"})


@dataclass
class MetricUpdate:
    """The latest value and the extremes of one metric/variant within a batch."""

    metric: str
    variant: str
    value: float
    order: tuple[int, int]
    min_value: float
    max_value: float

    def add(self, value: float, order: tuple[int, int]) -> None:
        """Fold one more value in; the latest by (iter, timestamp) becomes ``value``."""
        self.min_value = min(self.min_value, value)
        self.max_value = max(self.max_value, value)
        if order >= self.order:
            self.value, self.order = value, order


@dataclass
class TaskUpdate:
    """What one batch changes on one task."""

    last_iteration: int | None = None
    metrics: dict[tuple[str, str], MetricUpdate] = field(default_factory=dict)

    def saw_iteration(self, iteration: int) -> None:
        """Raise ``last_iteration`` to ``iteration``."""
        if self.last_iteration is None or iteration > self.last_iteration:
            self.last_iteration = iteration

    def saw_scalar(self, metric: str, variant: str, value: float, order: tuple[int, int]) -> None:
        """Record a scalar value of metric/variant."""
        current = self.metrics.get((metric, variant))
        if current is None:
            self.metrics[(metric, variant)] = MetricUpdate(metric, variant, value, order,
                                                           value, value)
        else:
            current.add(value, order)


class TaskAccess:
    """Read tasks of a company and apply event-driven updates to them."""

    def __init__(self, collection: Collection[Mapping[str, Any]]) -> None:
        self.collection = collection

    def find(self, company: str, task_ids: Iterable[str],
             fields: Iterable[str] = ("status", "name")) -> dict[str, Mapping[str, Any]]:
        """Return the company's tasks among ``task_ids`` by id."""
        ids = list(set(task_ids))
        cursor = self.collection.find({"_id": {"$in": ids}, "company": company},
                                      {f: 1 for f in fields})
        return {str(doc["_id"]): doc for doc in cursor}

    def get(self, company: str, task_id: str, fields: Iterable[str] = ("status", "name"),
            allow_locked: bool = True) -> Mapping[str, Any]:
        """Return one task of the company, or raise 400/101."""
        task = self.find(company, [task_id], fields).get(task_id)
        if task is None:
            raise APIError("invalid_task_id", task=task_id)
        if not allow_locked and task.get("status") in LOCKED_STATUSES:
            raise APIError("invalid_task_id", "task is published", task=task_id)
        return task

    def require(self, company: str, task_ids: Iterable[str],
                fields: Iterable[str] = ("status", "name")) -> dict[str, Mapping[str, Any]]:
        """Return every listed task, or raise 400/101 naming those not visible."""
        ids = list(dict.fromkeys(task_ids))
        found = self.find(company, ids, fields)
        missing = [t for t in ids if t not in found]
        if missing:
            raise APIError("invalid_task_id", ids=missing)
        return found

    def apply(self, company: str, updates: Mapping[str, TaskUpdate]) -> None:
        """Apply one aggregated, atomic update per task (concurrent batches lose nothing)."""
        now = datetime.now(UTC).replace(tzinfo=None)
        ops = []
        for task_id, update in updates.items():
            set_: dict[str, Any] = {"last_update": now}
            min_: dict[str, Any] = {}
            max_: dict[str, Any] = {}
            if update.last_iteration is not None:
                max_["last_iteration"] = update.last_iteration
            for m in update.metrics.values():
                if not m.metric or not m.variant:
                    continue
                path = f"last_metrics.{name_hash(m.metric)}.{name_hash(m.variant)}"
                set_[f"{path}.metric"] = m.metric
                set_[f"{path}.variant"] = m.variant
                set_[f"{path}.value"] = m.value
                min_[f"{path}.min_value"] = m.min_value
                max_[f"{path}.max_value"] = m.max_value
            doc: dict[str, Any] = {"$set": set_}
            if min_:
                doc["$min"] = min_
            if max_:
                doc["$max"] = max_
            ops.append(UpdateOne({"_id": task_id, "company": company}, doc))
        if ops:
            self.collection.bulk_write(ops, ordered=False)
