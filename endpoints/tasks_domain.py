"""Wiring of the tasks, queues and projects services (issue: Tasks, queues and projects)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apiserver.config import Config
from apiserver.stores import Stores
from endpoints.events_domain import TaskEventsCleaner

if TYPE_CHECKING:
    from endpoints import Domain


def build(stores: Stores, config: Config, delete_task_events: TaskEventsCleaner) -> Domain:
    """Build the tasks, queues and projects services and bind their handlers."""
    from endpoints import Domain

    return Domain(bindings=[])
