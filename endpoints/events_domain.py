"""Wiring of the events and workers services (issue: Events and workers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apiserver.config import Config
from apiserver.stores import Stores

if TYPE_CHECKING:
    from endpoints import Domain

TaskEventsCleaner = Callable[[str, list[str]], int]
"""Delete every event of the given tasks of a company; return how many were deleted."""


@dataclass
class EventsDomain:
    """The events/workers domain and the hook tasks use to remove a task's events."""

    domain: Domain
    delete_task_events: TaskEventsCleaner


def build(stores: Stores, config: Config) -> EventsDomain:
    """Build the events and workers services and bind their handlers."""
    from endpoints import Domain

    def delete_task_events(company: str, task_ids: list[str]) -> int:
        # TODO: events are not stored yet; nothing to delete until the events service lands.
        return 0

    return EventsDomain(domain=Domain(bindings=[]), delete_task_events=delete_task_events)
