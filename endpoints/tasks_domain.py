"""Wiring of the tasks, queues and projects services (issue: Tasks, queues and projects)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from elasticsearch import ApiError, TransportError

from apiserver.config import Config
from apiserver.stores import Stores
from bll.projects.model import Project
from bll.projects.service import ProjectService
from bll.query import QueryRunner
from bll.queues.metrics import QueueMetrics
from bll.queues.model import Queue
from bll.queues.service import QueueService
from bll.tasks.model import Task
from bll.tasks.service import TaskService
from endpoints import projects, queues, tasks
from endpoints.events_domain import TaskEventsCleaner

if TYPE_CHECKING:
    from endpoints import Domain

log = logging.getLogger("endpoints.tasks_domain")


def build(stores: Stores, config: Config, delete_task_events: TaskEventsCleaner) -> Domain:
    """Build the tasks, queues and projects services and bind their handlers."""
    from endpoints import Domain

    backend = stores.mongo("backend")
    runner = QueryRunner(stores.redis, stores.text_indexes,
                         max_page_size=int(config.get("services.max_page_size", 500)))
    task_collection = backend[Task._meta["collection"]]
    metrics = QueueMetrics(stores.elastic, stores.index_prefix)
    queue_service = QueueService(backend[Queue._meta["collection"]], task_collection,
                                 metrics, runner)
    project_service = ProjectService(backend[Project._meta["collection"]], task_collection,
                                     runner)
    task_service = TaskService(task_collection, queue_service, project_service, runner,
                               delete_task_events)

    def prepare(_: Stores) -> None:
        try:
            metrics.prepare()
        except (ApiError, TransportError) as exc:
            log.warning("queue metrics index template not created: %s", exc)

    return Domain(
        bindings=[*tasks.bindings(task_service), *queues.bindings(queue_service),
                  *projects.bindings(project_service)],
        documents=(Task, Queue, Project),
        prepare=prepare,
    )
