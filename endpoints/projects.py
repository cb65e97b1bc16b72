"""Handlers of the projects service: map each request to a :class:`ProjectService` call."""

from __future__ import annotations

from typing import Any

from apiserver.call import Call
from apiserver.registry import Binding
from bll.projects.service import ProjectService
from bll.query import to_api
from endpoints.tasks import page_response


class ProjectHandlers:
    """One handler per projects action."""

    def __init__(self, service: ProjectService) -> None:
        self.service = service

    def create(self, call: Call) -> dict[str, Any]:
        """projects.create."""
        return {"id": self.service.create(call.company, call.user, call.data)}

    def get_by_id(self, call: Call) -> dict[str, Any]:
        """projects.get_by_id."""
        return {"project": to_api(self.service.get(call.company, call.data["project"]))}

    def get_all(self, call: Call) -> dict[str, Any]:
        """projects.get_all."""
        return page_response("projects", self.service.get_all(call.company, call.data))

    def update(self, call: Call) -> dict[str, Any]:
        """projects.update."""
        return self.service.update(call.company, call.data["project"], call.data)

    def delete(self, call: Call) -> dict[str, Any]:
        """projects.delete."""
        return self.service.delete(call.company, call.data["project"],
                                   bool(call.data.get("force")))


def bindings(service: ProjectService) -> list[Binding]:
    """Bind every projects action (all at 2.1)."""
    handlers = ProjectHandlers(service)
    return [Binding(f"projects.{action}", "2.1", getattr(handlers, action))
            for action in ("create", "get_by_id", "get_all", "update", "delete")]
