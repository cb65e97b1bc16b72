"""Worker registration and status: one Redis key per worker, expiring after its timeout."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import redis
from pymongo.database import Database

from apiserver.auth import Identity
from apiserver.errors import APIError
from bll.workers.stats import WorkerStats

DEFAULT_TIMEOUT_SEC = 600


def now_iso() -> str:
    """Return the current UTC time as ISO-8601 with an explicit offset."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class WorkerService:
    """Register workers, record their reports and list them."""

    def __init__(self, client: redis.Redis, backend: Database[Mapping[str, Any]],
                 stats: WorkerStats, default_timeout: int = DEFAULT_TIMEOUT_SEC) -> None:
        self.redis = client
        self.backend = backend
        self.stats = stats
        self.default_timeout = default_timeout

    @staticmethod
    def key(identity: Identity, worker: str) -> str:
        """Return the Redis key of a worker of one user of a company."""
        return f"worker_{identity.company}_{identity.user}_{worker}"

    def register(self, identity: Identity, worker: str, timeout: int | None,
                 queues: list[str] | None, tags: list[str] | None) -> dict[str, Any]:
        """Create (or replace) a worker entry that expires after ``timeout`` seconds."""
        if timeout is not None and timeout < 0:
            raise APIError("worker_registration_failed", "timeout must not be negative",
                           timeout=timeout)
        self._check_queues(identity.company, queues or [])
        now = now_iso()
        entry = {
            "key": self.key(identity, worker), "id": worker,
            "user": {"id": identity.user, "name": identity.user_name},
            "company": {"id": identity.company, "name": identity.company_name},
            "ip": "", "queues": list(queues or []), "tags": list(tags or []),
            "register_time": now, "register_timeout": timeout or self.default_timeout,
            "last_activity_time": now,
        }
        self._save(entry)
        return entry

    def unregister(self, identity: Identity, worker: str) -> None:
        """Remove a worker entry (unknown workers are ignored)."""
        self.redis.delete(self.key(identity, worker))

    def status_report(self, identity: Identity, ip: str, report: Mapping[str, Any]) -> None:
        """Record a worker's report: statistics, current task and queues; renew its expiry."""
        raw = self.redis.get(self.key(identity, report["worker"]))
        entry = json.loads(raw) if raw else self.register(identity, report["worker"], None,
                                                          None, None)
        entry["ip"] = ip
        entry["last_activity_time"] = now_iso()
        if "tags" in report:
            entry["tags"] = report["tags"]
        try:
            task_id = report.get("task")
            if report.get("machine_stats"):
                self.stats.log(identity.company, report["worker"], task_id,
                               int(report["timestamp"]), report["machine_stats"])
            entry.pop("queue", None)
            if report.get("queue"):
                entry["queue"] = report["queue"]
            if report.get("queues"):
                entry["queues"] = report["queues"]
            entry.pop("task", None)
            entry.pop("project", None)
            if task_id:
                self._set_task(identity.company, entry, task_id)
            entry["last_report_time"] = now_iso()
        finally:
            # NOTE: the entry is saved (and its expiry renewed) even when the report fails.
            self._save(entry)

    def get_all(self, company: str, last_seen: int | None,
                tags: list[str] | None = None) -> list[dict[str, Any]]:
        """Return the company's live workers, filtered by activity and tags, expanded."""
        keys = list(self.redis.scan_iter(match=f"worker_{_glob(company)}_*", count=1000))
        entries = [json.loads(raw) for raw in self.redis.mget(keys) if raw] if keys else []
        entries = [e for e in entries if e["company"]["id"] == company]
        if last_seen:
            horizon = time.time() - max(1, last_seen)
            entries = [e for e in entries
                       if datetime.fromisoformat(e["last_activity_time"]).timestamp() >= horizon]
        if tags:
            entries = [e for e in entries if tags_match(e.get("tags") or [], tags)]
        entries.sort(key=lambda e: (e["id"], e["user"]["id"]))
        return [self._expand(company, e) for e in entries]

    def _save(self, entry: dict[str, Any]) -> None:
        self.redis.set(entry["key"], json.dumps(entry), ex=int(entry["register_timeout"]))

    def _check_queues(self, company: str, queues: Iterable[str]) -> None:
        ids = list(dict.fromkeys(queues))
        if not ids:
            return
        found = {d["_id"] for d in self.backend["queue"].find(
            {"_id": {"$in": ids}, "company": company}, {"_id": 1})}
        missing = [q for q in ids if q not in found]
        if missing:
            raise APIError("invalid_queue_id", ids=missing)

    def _set_task(self, company: str, entry: dict[str, Any], task_id: str) -> None:
        """Stamp the task with this worker's report; put its name and project on the entry."""
        now = datetime.now(UTC).replace(tzinfo=None)
        task = self.backend["task"].find_one_and_update(
            {"_id": task_id, "company": company},
            {"$set": {"last_worker": entry["id"], "last_worker_report": now,
                      "last_update": now, "last_change": now}},
            projection={"name": 1, "project": 1},
        )
        if task is None:
            raise APIError("invalid_task_id", task=task_id)
        entry["task"] = {"id": task_id, "name": task.get("name", "")}
        project_id = task.get("project")
        if project_id:
            project = self.backend["project"].find_one({"_id": project_id}, {"name": 1}) or {}
            entry["project"] = {"id": project_id, "name": project.get("name", "")}

    def _expand(self, company: str, entry: dict[str, Any]) -> dict[str, Any]:
        worker = {k: v for k, v in entry.items()
                  if k not in ("key", "register_timeout", "queue", "queues")}
        queue_ids = list(entry.get("queues") or [])
        current = entry.get("queue")
        queues = self._queues(company, [*queue_ids, *([current] if current else [])])
        worker["queues"] = [queues.get(q, {"id": q}) for q in queue_ids]
        if current:
            worker["queue"] = queues.get(current, {"id": current})
        if "task" in entry:
            task = self.backend["task"].find_one({"_id": entry["task"]["id"]},
                                                 {"last_iteration": 1, "active_duration": 1})
            if task:
                worker["task"] = {**entry["task"],
                                  "running_time": int((task.get("active_duration") or 0) * 1000),
                                  "last_iteration": int(task.get("last_iteration") or 0)}
        return worker

    def _queues(self, company: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        docs = list(self.backend["queue"].find({"_id": {"$in": list(set(ids))},
                                                "company": company},
                                               {"name": 1, "entries": 1}))
        next_ids = [d["entries"][0]["task"] for d in docs if d.get("entries")]
        names = {t["_id"]: t.get("name", "") for t in self.backend["task"].find(
            {"_id": {"$in": next_ids}}, {"name": 1})} if next_ids else {}
        result = {}
        for doc in docs:
            entries = doc.get("entries") or []
            queue: dict[str, Any] = {"id": doc["_id"], "name": doc.get("name", ""),
                                     "num_tasks": len(entries)}
            if entries:
                first = entries[0]["task"]
                queue["next_task"] = {"id": first, "name": names.get(first, "")}
            result[doc["_id"]] = queue
        return result


def tags_match(worker_tags: list[str], wanted: list[str]) -> bool:
    """Tell whether a worker has any included tag and none of the ``-`` excluded ones."""
    include = {t for t in wanted if not t.startswith("-")}
    exclude = {t[1:] for t in wanted if t.startswith("-")}
    have = set(worker_tags)
    return (not include or bool(have & include)) and not (have & exclude)


def _glob(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]\\" else c for c in text)
