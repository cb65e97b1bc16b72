"""Handlers of the queues service: map each request to a :class:`QueueService` call."""

from __future__ import annotations

from typing import Any

from apiserver.call import Call
from apiserver.registry import Binding
from bll.query.output import plain
from bll.queues.service import QueueService, queue_to_api
from endpoints.tasks import page_response


class QueueHandlers:
    """One handler per queues action."""

    def __init__(self, service: QueueService) -> None:
        self.service = service

    def get_by_id(self, call: Call) -> dict[str, Any]:
        """queues.get_by_id."""
        return {"queue": queue_to_api(self.service.get(call.company, call.data["queue"]))}

    def get_all(self, call: Call) -> dict[str, Any]:
        """queues.get_all and queues.get_all_ex."""
        return page_response("queues", self.service.get_all(call.company, call.data),
                             queue_to_api)

    def get_default(self, call: Call) -> dict[str, Any]:
        """queues.get_default."""
        queue = self.service.get_default(call.company)
        return {"id": queue["_id"], "name": queue["name"]}

    def create(self, call: Call) -> dict[str, Any]:
        """queues.create."""
        return {"id": self.service.create(call.company, call.user, call.data)}

    def update(self, call: Call) -> dict[str, Any]:
        """queues.update."""
        return self.service.update(call.company, call.data["queue"], call.data)

    def delete(self, call: Call) -> dict[str, Any]:
        """queues.delete."""
        return {"deleted": self.service.delete(call.company, call.data["queue"],
                                               bool(call.data.get("force")))}

    def add_task(self, call: Call) -> dict[str, Any]:
        """queues.add_task."""
        return {"added": self.service.add_task(call.company, call.data["queue"],
                                               call.data["task"])}

    def get_next_task(self, call: Call) -> dict[str, Any]:
        """queues.get_next_task: ``{}`` when the queue is empty."""
        entry = self.service.get_next(call.company, call.data["queue"])
        return {"entry": plain(entry)} if entry else {}

    def remove_task(self, call: Call) -> dict[str, Any]:
        """queues.remove_task."""
        return {"removed": self.service.remove_task(call.company, call.data["queue"],
                                                    call.data["task"])}

    def _move(self, call: Call, to: str) -> dict[str, Any]:
        count = call.data.get("count", 1)
        return {"position": self.service.move(call.company, call.data["queue"],
                                              call.data["task"], to, count)}

    def move_task_forward(self, call: Call) -> dict[str, Any]:
        """queues.move_task_forward."""
        return self._move(call, "forward")

    def move_task_backward(self, call: Call) -> dict[str, Any]:
        """queues.move_task_backward."""
        return self._move(call, "backward")

    def move_task_to_front(self, call: Call) -> dict[str, Any]:
        """queues.move_task_to_front."""
        return self._move(call, "front")

    def move_task_to_back(self, call: Call) -> dict[str, Any]:
        """queues.move_task_to_back: the entry's actual new index (see docs/tasks-queues.md)."""
        return self._move(call, "back")

    def get_queue_metrics(self, call: Call) -> dict[str, Any]:
        """queues.get_queue_metrics."""
        data = call.data
        return {"queues": self.service.metrics.get(
            call.company, data["from_date"], data["to_date"], data["interval"],
            data.get("queue_ids") or [])}

    def add_or_update_metadata(self, call: Call) -> dict[str, Any]:
        """queues.add_or_update_metadata."""
        data = call.data
        return {"updated": self.service.add_metadata(
            call.company, data["queue"], data["metadata"], bool(data.get("replace_metadata")))}

    def delete_metadata(self, call: Call) -> dict[str, Any]:
        """queues.delete_metadata."""
        return {"updated": self.service.delete_metadata(call.company, call.data["queue"],
                                                        call.data["keys"])}


FIRST_VERSIONS = {"add_or_update_metadata": "2.13", "delete_metadata": "2.13"}
ACTIONS = ("get_by_id", "get_all", "get_all_ex", "get_default", "create", "update", "delete",
           "add_task", "get_next_task", "remove_task", "move_task_forward",
           "move_task_backward", "move_task_to_front", "move_task_to_back",
           "get_queue_metrics", "add_or_update_metadata", "delete_metadata")


def bindings(service: QueueService) -> list[Binding]:
    """Bind every queues action at its first schema version."""
    handlers = QueueHandlers(service)
    return [
        Binding(f"queues.{action}", FIRST_VERSIONS.get(action, "2.4"),
                getattr(handlers, "get_all" if action == "get_all_ex" else action))
        for action in ACTIONS
    ]
