"""Handlers of the tasks service: map each request to a :class:`TaskService` call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiserver.call import Call
from apiserver.registry import Binding
from bll.query import Page, to_api
from bll.tasks.service import Caller, StatusRequest, TaskService


def caller(call: Call) -> Caller:
    """Return who calls: company, user id and user name."""
    return Caller(call.company, call.user, call.identity.user_name if call.identity else "")


def page_response(
    key: str, page: Page, render: Callable[[Any], dict[str, Any]] = to_api
) -> dict[str, Any]:
    """Render a get_all page: the items under ``key``, plus the scroll id when scrolling."""
    response: dict[str, Any] = {key: [render(doc) for doc in page.items]}
    if page.scroll_id is not None:
        response["scroll_id"] = page.scroll_id
    return response


class TaskHandlers:
    """One handler per tasks action."""

    def __init__(self, service: TaskService) -> None:
        self.service = service

    def get_by_id(self, call: Call) -> dict[str, Any]:
        """tasks.get_by_id."""
        return {"task": to_api(self.service.get(call.company, call.data["task"]))}

    def get_all(self, call: Call) -> dict[str, Any]:
        """tasks.get_all and tasks.get_all_ex."""
        return page_response("tasks", self.service.get_all(call.company, call.data))

    def create(self, call: Call) -> dict[str, Any]:
        """tasks.create."""
        return {"id": self.service.create(caller(call), call.data)}

    def validate(self, call: Call) -> None:
        """tasks.validate."""
        self.service.validate(caller(call), call.data)

    def update(self, call: Call) -> dict[str, Any]:
        """tasks.update."""
        return self.service.update(caller(call), call.data)

    def update_batch(self, call: Call) -> dict[str, Any]:
        """tasks.update_batch (json-lines of tasks.update requests)."""
        return self.service.update_batch(caller(call), call.batch or [], call.batch_errors)

    def edit(self, call: Call) -> dict[str, Any]:
        """tasks.edit."""
        return self.service.edit(caller(call), call.data)

    def set_requirements(self, call: Call) -> dict[str, Any]:
        """tasks.set_requirements."""
        return self.service.set_requirements(caller(call), call.data["task"],
                                             call.data["requirements"])

    def ping(self, call: Call) -> None:
        """tasks.ping."""
        self.service.ping(caller(call), call.data["task"])

    def started(self, call: Call) -> dict[str, Any]:
        """tasks.started."""
        return self.service.started(caller(call), StatusRequest.of(call.data))

    def stopped(self, call: Call) -> dict[str, Any]:
        """tasks.stopped."""
        return self.service.finished(caller(call), StatusRequest.of(call.data), "stopped")

    def failed(self, call: Call) -> dict[str, Any]:
        """tasks.failed."""
        return self.service.finished(caller(call), StatusRequest.of(call.data), "failed")

    def completed(self, call: Call) -> dict[str, Any]:
        """tasks.completed."""
        return self.service.finished(caller(call), StatusRequest.of(call.data), "completed")

    def close(self, call: Call) -> dict[str, Any]:
        """tasks.close."""
        return self.service.finished(caller(call), StatusRequest.of(call.data), "closed")

    def stop(self, call: Call) -> dict[str, Any]:
        """tasks.stop."""
        return self.service.stop(caller(call), StatusRequest.of(call.data))

    def publish(self, call: Call) -> dict[str, Any]:
        """tasks.publish."""
        return self.service.publish(caller(call), StatusRequest.of(call.data))

    def enqueue(self, call: Call) -> dict[str, Any]:
        """tasks.enqueue."""
        return self.service.enqueue(caller(call), StatusRequest.of(call.data),
                                    call.data.get("queue"))

    def dequeue(self, call: Call) -> dict[str, Any]:
        """tasks.dequeue."""
        return self.service.dequeue(caller(call), StatusRequest.of(call.data))

    def reset(self, call: Call) -> dict[str, Any]:
        """tasks.reset."""
        return self.service.reset(caller(call), StatusRequest.of(call.data))

    def delete(self, call: Call) -> dict[str, Any]:
        """tasks.delete."""
        return self.service.delete(caller(call), StatusRequest.of(call.data),
                                   bool(call.data.get("move_to_trash")))


FIRST_VERSIONS = {"enqueue": "1.5", "dequeue": "1.5", "completed": "2.2"}
ACTIONS = ("get_by_id", "get_all", "get_all_ex", "create", "validate", "update",
           "update_batch", "edit", "set_requirements", "ping", "started", "stopped", "failed",
           "completed", "close", "stop", "publish", "enqueue", "dequeue", "reset", "delete")


def bindings(service: TaskService) -> list[Binding]:
    """Bind every tasks action at its first schema version."""
    handlers = TaskHandlers(service)
    return [
        Binding(f"tasks.{action}", FIRST_VERSIONS.get(action, "2.1"),
                getattr(handlers, "get_all" if action == "get_all_ex" else action))
        for action in ACTIONS
    ]
