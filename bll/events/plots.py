"""Plot events: the latest iterations of a task's plots, and of several tasks' plots."""

from __future__ import annotations

from typing import Any

from bll.events.indices import PLOT
from bll.events.scalars import MAX_TERMS, buckets
from bll.events.search import MAX_PAGE, EventSearch, task_query
from bll.events.tasks import TaskAccess

PAGE = 500


class PlotReader:
    """Reads of plot events."""

    def __init__(self, search: EventSearch, tasks: TaskAccess) -> None:
        self.search = search
        self.tasks = tasks

    def task_plots(self, company: str, task: str, iters: int,
                   scroll_id: str | None) -> dict[str, Any]:
        """Return the plots of each metric/variant's last ``iters`` iterations, newest first."""
        query: dict[str, Any] = {"match_none": {}}
        if not scroll_id:
            aggs = {"metrics": {"terms": {"field": "metric", "size": MAX_TERMS}, "aggs": {
                "variants": {"terms": {"field": "variant", "size": MAX_TERMS}, "aggs": {
                    "iters": {"terms": {"field": "iter", "size": max(iters, 1),
                                        "order": {"_key": "desc"}}}}}}}}
            found = self.search.search(company, [PLOT], size=0, query=task_query(task),
                                       aggs=aggs)
            wanted = [
                {"bool": {"filter": [
                    {"term": {"metric": m["key"]}}, {"term": {"variant": v["key"]}},
                    {"terms": {"iter": [i["key"] for i in v["iters"]["buckets"]]}}]}}
                for m in buckets(found, "metrics") for v in m["variants"]["buckets"]
            ]
            if wanted:
                query = task_query(task, {"bool": {"should": wanted,
                                                   "minimum_should_match": 1}})
        plots, total, next_id = self.search.page(company, [PLOT], scroll_id, query=query,
                                                 sort=[{"iter": "desc"}], size=PAGE)
        result: dict[str, Any] = {"plots": plots, "returned": len(plots), "total": total}
        if next_id:
            result["scroll_id"] = next_id
        return result

    def multi_task_plots(self, company: str, task_ids: list[str], iters: int) -> dict[str, Any]:
        """Return the plots of each task's last ``iters`` iterations.

        Nested as metric → variant → task → iteration → {name, plots}.
        """
        tasks = self.tasks.require(company, task_ids, ("name",))
        aggs = {"tasks": {"terms": {"field": "task", "size": MAX_TERMS}, "aggs": {
            "iters": {"terms": {"field": "iter", "size": max(iters, 1),
                                "order": {"_key": "desc"}}}}}}
        found = self.search.search(company, [PLOT], size=0, aggs=aggs,
                                   query={"terms": {"task": list(tasks)}})
        wanted = [
            {"bool": {"filter": [{"term": {"task": t["key"]}},
                                 {"terms": {"iter": [i["key"] for i in t["iters"]["buckets"]]}}]}}
            for t in buckets(found, "tasks")
        ]
        plots: dict[str, Any] = {}
        total = 0
        if wanted:
            result = self.search.search(
                company, [PLOT], size=MAX_PAGE, sort=[{"iter": "desc"}],
                query={"bool": {"should": wanted, "minimum_should_match": 1}},
                track_total_hits=True,
            )
            for hit in result["hits"]["hits"]:
                event = hit["_source"]
                total += 1
                per_iter = plots.setdefault(event.get("metric", ""), {}).setdefault(
                    event.get("variant", ""), {}).setdefault(event["task"], {})
                entry = per_iter.setdefault(str(event.get("iter")), {
                    "name": str(tasks[event["task"]].get("name", "")), "plots": []})
                entry["plots"].append(event)
        return {"plots": plots, "returned": len(plots), "total": total}
