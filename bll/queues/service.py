"""Queue operations over MongoDB: entries change only through conditional updates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from pymongo.collection import Collection

from apiserver.errors import APIError
from bll.query import Page, QueryRunner, to_api
from bll.query.output import checked_name, plain, utcnow
from bll.queues.metrics import QueueMetrics
from bll.queues.model import (
    DEFAULT_TAG,
    HIDDEN_TAGS,
    QUEUE_QUERY,
    api_metadata,
    escape_key,
    stored_metadata,
)

MAX_ATTEMPTS = 10_000
"""Compare-and-swap retries; each failed attempt means another caller succeeded."""


def queue_to_api(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Render a stored queue (metadata keys unescaped)."""
    out = to_api(dict(doc))
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = api_metadata(out["metadata"])
    return out


class QueueService:
    """Create, read, change and drain queues of one company."""

    def __init__(self, queues: Collection, tasks: Collection, metrics: QueueMetrics,
                 runner: QueryRunner, hidden_tags: Iterable[str] = HIDDEN_TAGS) -> None:
        self._queues = queues
        self._tasks = tasks
        self.metrics = metrics
        self._runner = runner
        self._hidden = list(hidden_tags)

    # -- reading ------------------------------------------------------------------------

    def get(self, company: str, queue_id: str) -> dict[str, Any]:
        """Return the stored queue; 400/701 when the company has no such queue."""
        doc = self._queues.find_one({"_id": queue_id})
        if doc is None or doc.get("company") != company:
            raise APIError("invalid_queue_id", queue=queue_id)
        return doc

    def get_all(self, company: str, data: Mapping[str, Any]) -> Page:
        """Serve get_all / get_all_ex: hidden queues only when asked for by id or name."""
        scope: dict[str, Any] = {"company": company}
        if not any(data.get(k) for k in ("id", "name", "search_hidden")):
            scope["system_tags"] = {"$nin": self._hidden}
        return self._runner.get_all(self._queues, scope, data, QUEUE_QUERY,
                                    scroll_scope=f"queues:{company}")

    def get_default(self, company: str) -> dict[str, Any]:
        """Return the queue tagged ``default`` (400/707 none, 400/708 several)."""
        found = list(self._queues.find({"company": company, "system_tags": DEFAULT_TAG},
                                       {"name": 1}, limit=2))
        if not found:
            raise APIError("no_default_queue")
        if len(found) > 1:
            raise APIError("multiple_default_queues")
        return found[0]

    def contains(self, company: str, queue_id: str, task_id: str) -> bool:
        """Tell whether the task has an entry in the queue."""
        return self._queues.count_documents(
            {"_id": queue_id, "company": company, "entries.task": task_id}, limit=1) > 0

    # -- changing the queue itself ------------------------------------------------------

    def create(self, company: str, user: str, data: Mapping[str, Any]) -> str:
        """Create a queue (names are unique per company: 400/801); return its id."""
        now = utcnow()
        doc = {
            "_id": uuid.uuid4().hex, "company": company, "user": user,
            "name": checked_name(data["name"]), "created": now, "last_update": now,
            "tags": list(data.get("tags") or []),
            "system_tags": list(data.get("system_tags") or []),
            "entries": [], "metadata": stored_metadata(data.get("metadata")),
        }
        self._queues.insert_one(doc)
        return str(doc["_id"])

    def update(self, company: str, queue_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Update the fields sent (name, tags, system_tags, metadata)."""
        self.get(company, queue_id)
        fields: dict[str, Any] = {k: data[k] for k in ("tags", "system_tags") if k in data}
        if "name" in data:
            fields["name"] = checked_name(data["name"])
        if "metadata" in data:
            fields["metadata"] = stored_metadata(data["metadata"])
        if not fields:
            return {"updated": 0, "fields": {}}
        result = self._queues.update_one({"_id": queue_id, "company": company},
                                         {"$set": {**fields, "last_update": utcnow()}})
        shown = {**fields, "metadata": api_metadata(fields["metadata"])} \
            if "metadata" in fields else fields
        return {"updated": result.matched_count, "fields": plain(shown)}

    def delete(self, company: str, queue_id: str, force: bool) -> int:
        """Delete a queue; a non-empty one only with ``force`` (its tasks leave the queue)."""
        doc = self.get(company, queue_id)
        entries = doc.get("entries") or []
        if entries and not force:
            raise APIError("queue_not_empty", "use force=true to delete")
        now = utcnow()
        for task in self._tasks.find({"company": company, "status": "queued",
                                      "execution.queue": queue_id},
                                     {"enqueue_status": 1}):
            self._tasks.update_one(
                {"_id": task["_id"], "status": "queued"},
                {"$set": {"status": task.get("enqueue_status") or "created",
                          "status_reason": f"Queue {queue_id} was deleted",
                          "status_message": "", "status_changed": now, "last_update": now},
                 "$unset": {"execution.queue": "", "enqueue_status": ""}},
            )
        return self._queues.delete_one({"_id": queue_id, "company": company}).deleted_count

    def add_metadata(self, company: str, queue_id: str, items: list[dict[str, Any]],
                     replace: bool) -> int:
        """Add or update metadata items (or replace them all)."""
        self.get(company, queue_id)
        stored = stored_metadata(items)
        update = {"metadata": stored} if replace else \
            {f"metadata.{key}": value for key, value in stored.items()}
        if not update:
            return 0
        result = self._queues.update_one({"_id": queue_id, "company": company},
                                         {"$set": {**update, "last_update": utcnow()}})
        return result.matched_count

    def delete_metadata(self, company: str, queue_id: str, keys: Iterable[str]) -> int:
        """Delete metadata items by key."""
        self.get(company, queue_id)
        unset = {f"metadata.{escape_key(key)}": "" for key in keys}
        if not unset:
            return 0
        result = self._queues.update_one({"_id": queue_id, "company": company},
                                         {"$unset": unset, "$set": {"last_update": utcnow()}})
        return result.matched_count

    # -- entries --------------------------------------------------------------------------

    def push(self, company: str, queue_id: str, task_id: str) -> None:
        """Append an entry for the task (400/706 if it is already in this queue)."""
        now = utcnow()
        result = self._queues.update_one(
            {"_id": queue_id, "company": company, "entries.task": {"$ne": task_id}},
            {"$push": {"entries": {"task": task_id, "added": now}},
             "$set": {"last_update": now}},
        )
        if result.modified_count == 0:
            self.get(company, queue_id)
            raise APIError("task_already_queued", queue=queue_id, task=task_id)
        self._log_metrics(company, queue_id)

    def add_task(self, company: str, queue_id: str, task_id: str) -> int:
        """Add a task entry at the tail and record the queue as the task's queue."""
        self.get(company, queue_id)
        if self._tasks.count_documents({"_id": task_id, "company": company}, limit=1) == 0:
            raise APIError("invalid_task_id", task=task_id)
        self.push(company, queue_id, task_id)
        self._tasks.update_one({"_id": task_id, "company": company},
                               {"$set": {"execution.queue": queue_id}})
        return 1

    def get_next(self, company: str, queue_id: str) -> dict[str, Any] | None:
        """Pop the head entry; each entry goes to exactly one caller.

        NOTE: a compare-and-swap on the head entry, not find-and-modify: the embedded
        engine's find-and-modify pre-image is stale under concurrency. Correct on MongoDB.
        """
        for _ in range(MAX_ATTEMPTS):
            # PERF: on the embedded engine a whole-document read is cheaper than a $slice.
            entries = self.get(company, queue_id).get("entries") or []
            if not entries:
                return None
            head = entries[0]
            now = utcnow()
            result = self._queues.update_one(
                {"_id": queue_id, "company": company,
                 "entries.0.task": head["task"], "entries.0.added": head["added"]},
                {"$pop": {"entries": -1}, "$set": {"last_update": now}},
            )
            if result.modified_count:
                self.metrics.log(company, queue_id, [e["added"] for e in entries[1:]], now)
                return {"task": head["task"], "added": head["added"]}
        raise APIError("update_failed", "queue is too contended", queue=queue_id)

    def remove_task(self, company: str, queue_id: str, task_id: str) -> int:
        """Remove the task's entries (400/703 if it is not in the queue)."""
        result = self._queues.update_one(
            {"_id": queue_id, "company": company, "entries.task": task_id},
            {"$pull": {"entries": {"task": task_id}}, "$set": {"last_update": utcnow()}},
        )
        if result.modified_count == 0:
            raise APIError("invalid_queue_or_task_not_queued", queue=queue_id, task=task_id)
        self._log_metrics(company, queue_id)
        return 1

    def remove_everywhere(self, company: str, task_id: str, keep: str | None = None) -> int:
        """Remove the task from every queue of the company (but ``keep``); return how many."""
        query: dict[str, Any] = {"company": company, "entries.task": task_id}
        if keep:
            query["_id"] = {"$ne": keep}
        removed = 0
        for doc in self._queues.find(query, {"_id": 1}):
            result = self._queues.update_one(
                {"_id": doc["_id"], "entries.task": task_id},
                {"$pull": {"entries": {"task": task_id}}, "$set": {"last_update": utcnow()}},
            )
            if result.modified_count:
                removed += 1
                self._log_metrics(company, doc["_id"])
        return removed

    def move(self, company: str, queue_id: str, task_id: str, to: str, count: int = 1) -> int:
        """Move the task's entry (forward, backward, front, back); return its new index.

        The whole entry list is swapped conditioned on the list that was read.
        """
        for _ in range(MAX_ATTEMPTS):
            entries = self.get(company, queue_id).get("entries") or []
            index = next((i for i, e in enumerate(entries) if e["task"] == task_id), None)
            if index is None:
                raise APIError("invalid_queue_or_task_not_queued", queue=queue_id, task=task_id)
            target = {"forward": index - count, "backward": index + count,
                      "front": 0, "back": len(entries) - 1}[to]
            target = max(0, min(len(entries) - 1, target))
            if target == index:
                return index
            moved = entries[:index] + entries[index + 1:]
            moved.insert(target, entries[index])
            result = self._queues.update_one(
                {"_id": queue_id, "company": company, "entries": entries},
                {"$set": {"entries": moved, "last_update": utcnow()}},
            )
            if result.modified_count:
                return target
        raise APIError("update_failed", "queue is too contended", queue=queue_id)

    def _log_metrics(self, company: str, queue_id: str) -> None:
        doc = self._queues.find_one({"_id": queue_id})
        if doc is not None:
            self.metrics.log(company, queue_id, [e["added"] for e in doc.get("entries") or []],
                             utcnow())
