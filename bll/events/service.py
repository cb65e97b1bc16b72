"""The events service: every reader and the writer, built over one set of stores."""

from __future__ import annotations

from dataclasses import dataclass

from apiserver.stores import Stores
from bll.events.images import DebugImageReader
from bll.events.indices import EVENT_TYPES, EventIndices
from bll.events.ingest import EventWriter
from bll.events.logs import LogReader
from bll.events.plots import PlotReader
from bll.events.scalars import ScalarReader
from bll.events.search import EventSearch, StateStore, task_query
from bll.events.tasks import TaskAccess


@dataclass
class EventsService:
    """Everything the events endpoints use."""

    indices: EventIndices
    tasks: TaskAccess
    search: EventSearch
    writer: EventWriter
    logs: LogReader
    scalars: ScalarReader
    plots: PlotReader
    images: DebugImageReader

    @classmethod
    def build(cls, stores: Stores, refresh: str = "true") -> EventsService:
        """Build the service over the stores (nothing is sent until first use)."""
        indices = EventIndices(stores.elastic, stores.index_prefix)
        tasks = TaskAccess(stores.mongo("backend")["task"])
        search = EventSearch(indices)
        return cls(
            indices=indices,
            tasks=tasks,
            search=search,
            writer=EventWriter(indices, tasks, refresh=refresh),
            logs=LogReader(search, StateStore(stores.redis, "events_log")),
            scalars=ScalarReader(search, tasks),
            plots=PlotReader(search, tasks),
            images=DebugImageReader(search, tasks, StateStore(stores.redis, "events_images")),
        )

    def task_metrics(self, company: str, task_ids: list[str],
                     event_type: str | None) -> list[dict[str, object]]:
        """Return, per task, the metrics having events of the type (all types if None)."""
        self.tasks.require(company, task_ids)
        types = [event_type] if event_type else list(EVENT_TYPES)
        aggs = {"tasks": {"terms": {"field": "task", "size": 10000}, "aggs": {
            "metrics": {"terms": {"field": "metric", "size": 10000}}}}}
        found = self.search.search(company, types, size=0, aggs=aggs,
                                   query={"terms": {"task": task_ids}})
        names = {b["key"]: sorted(m["key"] for m in b["metrics"]["buckets"])
                 for b in (found.get("aggregations") or {}).get("tasks", {}).get("buckets", [])}
        return [{"task": t, "metrics": names.get(t, [])} for t in dict.fromkeys(task_ids)]

    def delete_for_task(self, company: str, task: str, allow_locked: bool) -> int:
        """Delete every event of one task (not of a published one unless allowed)."""
        self.tasks.get(company, task, allow_locked=allow_locked)
        return self.search.delete_tasks(company, [task])

    def count(self, company: str, task: str) -> int:
        """Count every event of a task."""
        return self.search.count(company, EVENT_TYPES, task_query(task))
