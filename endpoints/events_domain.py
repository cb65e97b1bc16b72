"""Wiring of the events and workers services (issue: Events and workers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apiserver.config import Config
from apiserver.stores import Stores
from bll.events.service import EventsService
from bll.workers.service import WorkerService
from bll.workers.stats import WorkerStats
from endpoints import events, workers

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

    service = EventsService.build(stores, refresh=str(config.get("services.events.refresh",
                                                                 "true")))
    stats = WorkerStats(stores.elastic, stores.index_prefix)
    worker_service = WorkerService(
        stores.redis, stores.mongo("backend"), stats,
        default_timeout=int(config.get("services.workers.default_timeout", 600)),
    )

    def prepare(_: Stores) -> None:
        service.indices.prepare()
        stats.prepare()

    def delete_task_events(company: str, task_ids: list[str]) -> int:
        return service.search.delete_tasks(company, list(task_ids))

    domain = Domain(bindings=[*events.bindings(service), *workers.bindings(worker_service)],
                    prepare=prepare)
    return EventsDomain(domain=domain, delete_task_events=delete_task_events)
