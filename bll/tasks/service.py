"""Task operations: creation and edits, the lifecycle, queueing, reset and delete."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo import UpdateOne
from pymongo.collection import Collection

from apiserver.call import LineError
from apiserver.errors import APIError
from bll.projects.service import ProjectService
from bll.query import Page, QueryRunner
from bll.query.filters import parse_datetime
from bll.query.output import checked_name, plain, utcnow
from bll.queues.service import QueueService
from bll.tasks.model import DELETED_PREFIX, HIDDEN_BY_DEFAULT, HIDDEN_TAG, TASK_QUERY
from bll.tasks.status import change_status, check_transition

TaskEventsCleaner = Callable[[str, list[str]], int]
WORKER_TIMEOUT = timedelta(seconds=600)
UPDATE_FIELDS = ("name", "tags", "system_tags", "comment", "project", "created",
                 "output__error")
EDIT_FIELDS = ("name", "tags", "system_tags", "type", "comment", "parent", "project")
RESET_UNSET = ("last_worker", "last_worker_report", "started", "completed", "published",
               "active_duration", "enqueue_status", "execution.queue", "output.result",
               "output.error", "output.model")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: company, user id and user name."""

    company: str
    user: str
    user_name: str = ""


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """The common part of every lifecycle request."""

    task: str
    reason: str | None = None
    message: str | None = None
    force: bool = False

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> StatusRequest:
        """Read the request fields."""
        return cls(data["task"], data.get("status_reason"), data.get("status_message"),
                   bool(data.get("force", False)))


class TaskService:
    """Every task action; collaborators are handed in."""

    def __init__(self, tasks: Collection, queues: QueueService, projects: ProjectService,
                 runner: QueryRunner, delete_task_events: TaskEventsCleaner) -> None:
        self._tasks = tasks
        self._queues = queues
        self._projects = projects
        self._runner = runner
        self._delete_events = delete_task_events

    # -- reading ------------------------------------------------------------------------

    def get(self, company: str, task_id: str) -> dict[str, Any]:
        """Return a task of the company or a public one; 400/101 when there is none."""
        # PERF: a bare _id lookup (the company is checked here) is a point lookup everywhere.
        doc = self._tasks.find_one({"_id": task_id}, {field: 0 for field in HIDDEN_BY_DEFAULT})
        if doc is None or doc.get("company") not in (company, ""):
            raise APIError("invalid_task_id", task=task_id)
        return doc

    def writable(self, company: str, task_id: str) -> dict[str, Any]:
        """Return a task the caller may change (public tasks: 403/21)."""
        doc = self._tasks.find_one({"_id": task_id})
        if doc is None or doc.get("company") not in (company, ""):
            raise APIError("invalid_task_id", task=task_id)
        if doc["company"] != company:
            raise APIError("no_write_permission", task=task_id)
        return doc

    def get_all(self, company: str, data: Mapping[str, Any]) -> Page:
        """Serve get_all / get_all_ex over the company's and public tasks.

        Tasks tagged ``hidden`` only show up when asked for by id (or ``search_hidden``).
        """
        scope: dict[str, Any] = {"company": {"$in": [company, ""]}}
        if not data.get("id") and not data.get("search_hidden"):
            scope["system_tags"] = {"$ne": HIDDEN_TAG}
        return self._runner.get_all(self._tasks, scope, data, TASK_QUERY,
                                    scroll_scope=f"tasks:{company}",
                                    hidden_by_default=HIDDEN_BY_DEFAULT)

    # -- creating and editing -----------------------------------------------------------

    def _check_references(self, company: str, data: Mapping[str, Any]) -> None:
        if data.get("project"):
            self._projects.check_exists(company, data["project"])
        parent = data.get("parent")
        if parent and not parent.startswith(DELETED_PREFIX) and self._tasks.count_documents(
                {"_id": parent, "company": {"$in": [company, ""]}}, limit=1) == 0:
            raise APIError("invalid_task_id", "invalid parent", parent=parent)

    def validate(self, caller: Caller, data: Mapping[str, Any]) -> dict[str, Any]:
        """Check a create request and return the document it would store."""
        self._check_references(caller.company, data)
        now = utcnow()
        doc: dict[str, Any] = {
            "_id": uuid.uuid4().hex, "company": caller.company, "user": caller.user,
            "name": checked_name(data["name"]), "type": data["type"], "status": "created",
            "status_changed": now, "created": now, "last_update": now, "last_change": now,
            "last_changed_by": caller.user, "last_iteration": 0, "last_metrics": {},
            "tags": list(data.get("tags") or []),
            "system_tags": list(data.get("system_tags") or []),
        }
        for key in ("comment", "parent", "project", "execution", "script"):
            if key in data:
                doc[key] = data[key]
        if "output_dest" in data:
            doc["output"] = {"destination": data["output_dest"]}
        return doc

    def create(self, caller: Caller, data: Mapping[str, Any]) -> str:
        """Create a task in status ``created``; return its 32-hex id."""
        doc = self.validate(caller, data)
        self._tasks.insert_one(doc)
        self._projects.touch(caller.company, doc.get("project"))
        return str(doc["_id"])

    def update(self, caller: Caller, data: Mapping[str, Any]) -> dict[str, Any]:
        """Apply the user-settable fields sent; ``updated: 0`` when none was."""
        self.writable(caller.company, data["task"])
        fields = self._update_fields(caller.company, data)
        if not fields:
            return {"updated": 0, "fields": {}}
        now = utcnow()
        result = self._tasks.update_one(
            {"_id": data["task"], "company": caller.company},
            {"$set": {**fields, "last_update": now, "last_change": now,
                      "last_changed_by": caller.user}},
        )
        return {"updated": result.matched_count, "fields": plain(fields)}

    def _update_fields(self, company: str, data: Mapping[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for key in UPDATE_FIELDS:
            if key in data:
                fields[key.replace("__", ".")] = data[key]
        if "name" in fields:
            fields["name"] = checked_name(fields["name"])
        if "created" in fields:
            created = parse_datetime(str(fields["created"]))
            if created is None:
                raise APIError("fields_value_error", "created is not a date")
            fields["created"] = created
        if fields.get("project"):
            self._projects.check_exists(company, fields["project"])
        return fields

    def update_batch(self, caller: Caller, items: list[dict[str, Any]],
                     errors: list[LineError]) -> dict[str, Any]:
        """Apply valid json-lines updates in one bulk write; report the invalid lines.

        Duplicate task ids: the last line wins. Every task must exist (400/101 otherwise,
        nothing updated).
        """
        latest = {item["task"]: item for item in items}
        found = {doc["_id"] for doc in self._tasks.find(
            {"_id": {"$in": list(latest)}, "company": caller.company}, {"_id": 1})}
        missing = [task for task in latest if task not in found]
        if missing:
            raise APIError("invalid_task_id", tasks=missing)
        now = utcnow()
        operations = []
        for task, item in latest.items():
            fields = self._update_fields(caller.company, item)
            if fields:
                operations.append(UpdateOne(
                    {"_id": task, "company": caller.company},
                    {"$set": {**fields, "last_update": now, "last_change": now,
                              "last_changed_by": caller.user}},
                ))
        updated = self._tasks.bulk_write(operations, ordered=False).modified_count \
            if operations else 0
        info: dict[str, int] = {}
        for error in errors:
            info[error.reason] = info.get(error.reason, 0) + 1
        return {"updated": updated, "errors": len(errors), "errors_info": info,
                "invalid_lines": [error.line for error in errors]}

    def edit(self, caller: Caller, data: Mapping[str, Any]) -> dict[str, Any]:
        """Edit a ``created`` task (any status with ``force``); objects merge into stored ones."""
        task = self.writable(caller.company, data["task"])
        if task["status"] != "created" and not data.get("force"):
            raise APIError("invalid_task_status", status=task["status"], expected="created")
        self._check_references(caller.company, data)
        fields: dict[str, Any] = {key: data[key] for key in EDIT_FIELDS if key in data}
        if "name" in fields:
            fields["name"] = checked_name(fields["name"])
        if "output_dest" in data:
            fields["output.destination"] = data["output_dest"]
        for section in ("execution", "script"):
            for key, value in (data.get(section) or {}).items():
                fields[f"{section}.{key}"] = value
        if not fields:
            return {"updated": 0, "fields": {}}
        now = utcnow()
        result = self._tasks.update_one(
            {"_id": task["_id"], "company": caller.company, "status": task["status"]},
            {"$set": {**fields, "last_update": now, "last_change": now,
                      "last_changed_by": caller.user}},
        )
        if result.matched_count == 0:
            raise APIError("failed_changing_task_status", task=task["_id"])
        return {"updated": 1, "fields": plain(fields)}

    def set_requirements(self, caller: Caller, task_id: str,
                         requirements: dict[str, Any]) -> dict[str, Any]:
        """Set ``script.requirements`` of a task that has a script (400/122 otherwise)."""
        task = self.writable(caller.company, task_id)
        if not task.get("script"):
            raise APIError("missing_task_fields", "task has no script", task=task_id)
        now = utcnow()
        self._tasks.update_one({"_id": task_id, "company": caller.company},
                               {"$set": {"script.requirements": requirements,
                                         "last_update": now, "last_change": now}})
        return {"updated": 1, "fields": {"script.requirements": requirements}}

    def ping(self, caller: Caller, task_id: str) -> None:
        """Refresh ``last_update``; a running task's ``active_duration`` grows."""
        task = self.writable(caller.company, task_id)
        now = utcnow()
        fields: dict[str, Any] = {"last_update": now, "last_change": now,
                                  "last_changed_by": caller.user}
        if task["status"] == "in_progress" and task.get("started"):
            fields["active_duration"] = int((now - task["started"]).total_seconds())
        self._tasks.update_one({"_id": task_id, "company": caller.company}, {"$set": fields})

    # -- lifecycle ----------------------------------------------------------------------

    def _change(self, caller: Caller, task: Mapping[str, Any], new_status: str,
                request: StatusRequest, **kwargs: Any) -> dict[str, Any]:
        result = change_status(self._tasks, task, new_status, now=kwargs.pop("now", utcnow()),
                               user=caller.user, reason=request.reason,
                               message=request.message, force=request.force, **kwargs)
        self._projects.touch(caller.company, task.get("project"))
        return result

    def started(self, caller: Caller, request: StatusRequest) -> dict[str, Any]:
        """→ in_progress; a task already running keeps its ``started`` time."""
        task = self.writable(caller.company, request.task)
        now = utcnow()
        if task["status"] == "in_progress" and task.get("started"):
            result = self._change(caller, task, "in_progress", request, now=now)
        else:
            result = self._change(caller, task, "in_progress", request, now=now,
                                  extra={"started": now},
                                  unset=("completed", "active_duration"))
        return {"started": result["updated"], **result}

    def finished(self, caller: Caller, request: StatusRequest, status: str) -> dict[str, Any]:
        """→ stopped / failed / completed, recording ``completed``; or → closed."""
        task = self.writable(caller.company, request.task)
        now = utcnow()
        extra = {} if status == "closed" else {"completed": now}
        return self._change(caller, task, status, request, now=now, extra=extra)

    def stop(self, caller: Caller, request: StatusRequest) -> dict[str, Any]:
        """Stop a task nobody runs now; ask the worker of a running one to stop it."""
        task = self.writable(caller.company, request.task)
        now = utcnow()
        live = bool(task.get("last_worker")) and task.get("last_update") is not None \
            and now - task["last_update"] < WORKER_TIMEOUT
        development = "development" in (task.get("system_tags") or [])
        if task["status"] == "queued" or development or not live:
            message = request.message or f"Stopped by {caller.user_name or caller.user}"
            stop = StatusRequest(request.task, request.reason, message, request.force)
            result = self._change(caller, task, "stopped", stop, now=now,
                                  unset=("execution.queue",) if task["status"] == "queued"
                                  else ())
            if task["status"] == "queued":
                self._queues.remove_everywhere(caller.company, request.task)
            return result
        fields = {"status_reason": request.reason or "", "status_message": "stopping",
                  "last_update": now, "last_change": now, "last_changed_by": caller.user}
        updated = self._tasks.update_one(
            {"_id": task["_id"], "company": caller.company, "status": task["status"]},
            {"$set": fields})
        if updated.matched_count == 0:
            raise APIError("failed_changing_task_status", task=task["_id"])
        return {"updated": 1, "fields": plain(fields)}

    def publish(self, caller: Caller, request: StatusRequest) -> dict[str, Any]:
        """→ publishing → published, recording ``published``; a failure restores the status."""
        task = self.writable(caller.company, request.task)
        if task["status"] == "publishing" and not request.force:
            raise APIError("task_publish_in_progress", task=task["_id"])
        check_transition(task["status"], "published", request.force)
        forced = StatusRequest(request.task, request.reason, request.message, force=True)
        self._change(caller, task, "publishing", forced)
        publishing = {**task, "status": "publishing"}
        now = utcnow()
        try:
            return self._change(caller, publishing, "published", forced, now=now,
                                extra={"published": now})
        except APIError:
            self._tasks.update_one({"_id": task["_id"], "status": "publishing"},
                                   {"$set": {"status": task["status"]}})
            raise

    # -- queues ---------------------------------------------------------------------------

    def enqueue(self, caller: Caller, request: StatusRequest,
                queue_id: str | None) -> dict[str, Any]:
        """→ queued and an entry at the tail of the queue (the default queue if none named).

        The status before enqueueing is kept in ``enqueue_status``; the task leaves any
        other queue. A task already in that queue is 400/706 and nothing changes.
        """
        task = self.writable(caller.company, request.task)
        queue = self._queues.get(caller.company, queue_id) if queue_id else \
            self._queues.get_default(caller.company)
        queue_id = str(queue["_id"])
        check_transition(task["status"], "queued", request.force)
        # NOTE: the entry first: of concurrent enqueues exactly one pushes (the others get
        # 400/706 and change nothing); a lost status race then takes the entry back out.
        self._queues.push(caller.company, queue_id, task["_id"])
        previous = task.get("enqueue_status") if task["status"] == "queued" else task["status"]
        try:
            result = self._change(caller, task, "queued", request, extra={
                "enqueue_status": previous, "execution.queue": queue_id})
        except APIError:
            with contextlib.suppress(APIError):  # a worker may have taken the entry already
                self._queues.remove_task(caller.company, queue_id, task["_id"])
            raise
        self._queues.remove_everywhere(caller.company, task["_id"], keep=queue_id)
        return {"queued": 1, **result}

    def dequeue(self, caller: Caller, request: StatusRequest) -> dict[str, Any]:
        """Take a queued task out of its queue; it returns to its status before enqueue."""
        task = self.writable(caller.company, request.task)
        if task["status"] != "queued":
            raise APIError("invalid_task_status", "task is not queued",
                           status=task["status"], expected="queued")
        queue_id = (task.get("execution") or {}).get("queue")
        if not queue_id:
            raise APIError("missing_required_fields", "task has no queue", task=task["_id"])
        self._queues.remove_everywhere(caller.company, task["_id"])
        back = StatusRequest(request.task, request.reason, request.message, force=True)
        result = self._change(caller, task, task.get("enqueue_status") or "created", back,
                              unset=("execution.queue", "enqueue_status"))
        return {"dequeued": 1, **result}

    # -- reset and delete -------------------------------------------------------------------

    def reset(self, caller: Caller, request: StatusRequest) -> dict[str, Any]:
        """Return a task to ``created``: out of queues, events deleted, run results cleared."""
        task = self.writable(caller.company, request.task)
        check_transition(task["status"], "created", request.force)
        removed = self._queues.remove_everywhere(caller.company, task["_id"])
        deleted_events = self._delete_events(caller.company, [task["_id"]])
        extra: dict[str, Any] = {"last_iteration": 0, "last_metrics": {}}
        artifacts = (task.get("execution") or {}).get("artifacts")
        if artifacts:
            extra["execution.artifacts"] = [a for a in artifacts if a.get("mode") == "input"]
        reset = StatusRequest(request.task, request.reason or "reset",
                              request.message or "reset", force=True)
        result = self._change(caller, task, "created", reset, extra=extra, unset=RESET_UNSET)
        return {"dequeued": {"removed": removed} if removed else {},
                "events": {"deleted": deleted_events}, "deleted_models": 0, **result}

    def delete(self, caller: Caller, request: StatusRequest,
               move_to_trash: bool = False) -> dict[str, Any]:
        """Delete a task: ``created`` or archived ones, any with ``force``.

        Children are re-parented to ``__DELETED__<id>``; a published child blocks the
        deletion without ``force``. The task leaves every queue and its events are deleted.
        """
        task = self.writable(caller.company, request.task)
        archived = "archived" in (task.get("system_tags") or [])
        if not request.force and task["status"] != "created" and not archived:
            raise APIError("task_cannot_be_deleted", "due to status, use force=True",
                           task=task["_id"], status=task["status"])
        children = {"company": caller.company, "parent": task["_id"]}
        if not request.force and self._tasks.count_documents(
                {**children, "status": "published"}, limit=1):
            raise APIError("task_cannot_be_deleted", "has children, use force=True",
                           task=task["_id"])
        updated_children = self._tasks.update_many(
            children, {"$set": {"parent": DELETED_PREFIX + task["_id"]}}).modified_count
        self._queues.remove_everywhere(caller.company, task["_id"])
        if move_to_trash:
            self._tasks.database[f"{self._tasks.name}__trash"].replace_one(
                {"_id": task["_id"]}, task, upsert=True)
        self._tasks.delete_one({"_id": task["_id"], "company": caller.company})
        deleted_events = self._delete_events(caller.company, [task["_id"]])
        self._projects.touch(caller.company, task.get("project"))
        return {"deleted": True, "updated_children": updated_children, "updated_models": 0,
                "events": {"deleted": deleted_events}}

