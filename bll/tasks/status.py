"""The task status state machine (reference-behaviour §E2, HEAD table) and status changes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo.collection import Collection

from apiserver.errors import APIError
from bll.query.output import plain

TRANSITIONS: Mapping[str, frozenset[str]] = {
    "created": frozenset({"queued", "in_progress"}),
    "queued": frozenset({"created", "in_progress", "stopped"}),
    "in_progress": frozenset({"stopped", "failed", "created", "completed"}),
    "stopped": frozenset({"closed", "created", "failed", "queued", "in_progress", "published",
                          "publishing", "completed"}),
    "closed": frozenset({"created", "failed", "published", "publishing", "stopped"}),
    "failed": frozenset({"created", "stopped", "published", "queued"}),
    "publishing": frozenset({"published"}),
    "published": frozenset(),
    "completed": frozenset({"published", "in_progress", "created"}),
}
"""Allowed ``current → new`` changes; a change to the same status is always allowed."""


def check_transition(current: str, new: str, force: bool = False) -> None:
    """Raise 400/110 when ``current → new`` is not allowed (``force`` skips the table).

    A current status outside the table (``unknown``) is 400/114 unless forced.
    """
    if force or current == new:
        return
    allowed = TRANSITIONS.get(current)
    if allowed is None:
        raise APIError("task_status_unknown", current_status=current, new_status=new)
    if new not in allowed:
        raise APIError("invalid_task_status", "Invalid status change",
                       current_status=current, new_status=new)


def change_status(
    tasks: Collection,
    task: Mapping[str, Any],
    new_status: str,
    *,
    now: datetime,
    user: str,
    reason: str | None = None,
    message: str | None = None,
    force: bool = False,
    extra: Mapping[str, Any] | None = None,
    unset: Iterable[str] = (),
) -> dict[str, Any]:
    """Change a task's status, conditioned on the status that was read.

    Sets the status fields plus ``extra`` (dotted paths), unsets ``unset``; moving to
    ``queued`` drops the ``development`` system tag. Another writer changing the status in
    between makes this fail with 400/121 (``force`` does not bypass that). Returns the
    ``{updated, fields}`` response part.
    """
    current = task["status"]
    check_transition(current, new_status, force)
    fields = {
        "status": new_status,
        "status_reason": reason or "",
        "status_message": message or "",
        "status_changed": now,
        "last_update": now,
        "last_change": now,
        "last_changed_by": user,
        **(extra or {}),
    }
    update: dict[str, Any] = {"$set": fields}
    unset = [path for path in unset if path not in fields]
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    if new_status == "queued":
        update["$pull"] = {"system_tags": "development"}
    result = tasks.update_one(
        {"_id": task["_id"], "company": task["company"], "status": current}, update
    )
    if result.matched_count == 0:
        raise APIError("failed_changing_task_status", task=task["_id"],
                       current_status=current, new_status=new_status)
    return {"updated": 1, "fields": plain(fields)}
