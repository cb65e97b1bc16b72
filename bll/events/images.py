"""Debug images: the latest iterations of a task (2.1), and per-metric navigation (2.7).

Clients reuse a fixed set of file names for a metric's images, so an older iteration may
point at a file that was overwritten since: those iterations are hidden (URL recycling).
"""

from __future__ import annotations

from typing import Any

from apiserver.errors import APIError
from bll.events.indices import IMAGE
from bll.events.scalars import MAX_TERMS, buckets
from bll.events.search import EventSearch, StateStore, task_query
from bll.events.tasks import TaskAccess

PAGE = 500
HITS_PER_VARIANT = 3


class DebugImageReader:
    """Reads of debug image events."""

    def __init__(self, search: EventSearch, tasks: TaskAccess, states: StateStore) -> None:
        self.search = search
        self.tasks = tasks
        self.states = states

    def task_images(self, company: str, task: str, iters: int,
                    scroll_id: str | None) -> dict[str, Any]:
        """Return the events of the task's last ``iters`` iterations with images (2.1)."""
        query: dict[str, Any] = {"match_none": {}}
        if not scroll_id:
            found = self.search.search(company, [IMAGE], size=0, query=task_query(task), aggs={
                "iters": {"terms": {"field": "iter", "size": max(iters, 1),
                                    "order": {"_key": "desc"}}}})
            latest = [b["key"] for b in buckets(found, "iters")]
            if latest:
                query = task_query(task, {"terms": {"iter": latest}})
        images, total, next_id = self.search.page(company, [IMAGE], scroll_id, query=query,
                                                  sort=[{"iter": "desc"}], size=PAGE)
        result: dict[str, Any] = {"task": task, "images": images, "returned": len(images),
                                  "total": total}
        if next_id:
            result["scroll_id"] = next_id
        return result

    def navigate(self, company: str, metrics: list[dict[str, str]], iters: int, earlier: bool,
                 refresh: bool, state_id: str | None) -> dict[str, Any]:
        """Return the next ``iters`` iterations of each task metric's images (2.7)."""
        self.tasks.require(company, [m["task"] for m in metrics])
        requested = sorted({(m["task"], m["metric"]) for m in metrics})
        state = self.states.load(state_id)
        if state is not None and sorted(tuple(k) for k in state["requested"]) != requested:
            raise APIError("invalid_scroll_id", "the scroll was made for other task metrics")
        if state is None or refresh:
            state = {"id": state["id"]} if state else {}
            state["requested"] = requested
            state["metrics"] = [s for task, metric in requested
                                if (s := self._init_metric(company, task, metric))]
        rows = [self._page(company, s, max(iters, 1), earlier) for s in state["metrics"]]
        return {"metrics": rows, "scroll_id": self.states.save(state)}

    def _init_metric(self, company: str, task: str, metric: str) -> dict[str, Any] | None:
        """Find each variant's recycling border: the previous use of its newest URL."""
        aggs = {"variants": {"terms": {"field": "variant", "size": MAX_TERMS}, "aggs": {
            "newest": {"max": {"field": "iter"}},
            "urls": {"terms": {"field": "url", "size": 1, "order": {"newest": "desc"}}, "aggs": {
                "newest": {"max": {"field": "iter"}},
                "iters": {"terms": {"field": "iter", "size": 2, "order": {"_key": "desc"}}}}}}}}
        found = self.search.search(company, [IMAGE], size=0, aggs=aggs,
                                   query=task_query(task, {"term": {"metric": metric}}))
        variants = buckets(found, "variants")
        if not variants:
            return None
        borders = []
        for variant in variants:
            urls = variant["urls"]["buckets"]
            uses = urls[0]["iters"]["buckets"] if urls else []
            border = int(uses[1]["key"]) if len(uses) > 1 else None
            borders.append({"name": variant["key"], "last_invalid_iteration": border})
        return {"task": task, "name": metric, "variants": borders,
                "last_min_iter": None, "last_max_iter": None}

    def _page(self, company: str, state: dict[str, Any], iters: int,
              earlier: bool) -> dict[str, Any]:
        hidden = [
            {"bool": {"filter": [{"term": {"variant": v["name"]}},
                                 {"range": {"iter": {"lte": v["last_invalid_iteration"]}}}]}}
            for v in state["variants"] if v["last_invalid_iteration"] is not None
        ]
        clauses: list[dict[str, Any]] = [{"term": {"metric": state["name"]}},
                                         {"bool": {"must_not": hidden}}]
        first = state["last_max_iter"] is None
        if not first:
            if earlier:
                clauses.append({"range": {"iter": {"lt": state["last_min_iter"]}}})
            else:
                clauses.append({"range": {"iter": {"gt": state["last_max_iter"]}}})
        descending = first or earlier
        aggs = {"iters": {"terms": {"field": "iter", "size": iters,
                                    "order": {"_key": "desc" if descending else "asc"}},
                          "aggs": {"variants": {"terms": {"field": "variant", "size": MAX_TERMS},
                                                "aggs": {"events": {"top_hits": {
                                                    "size": HITS_PER_VARIANT,
                                                    "sort": [{"url": "desc"}]}}}}}}}
        found = self.search.search(company, [IMAGE], size=0, aggs=aggs,
                                   query=task_query(state["task"], *clauses))
        iterations: list[dict[str, Any]] = [
            {"iter": int(b["key"]), "events": [hit["_source"] for v in b["variants"]["buckets"]
                                               for hit in v["events"]["hits"]["hits"]]}
            for b in sorted(buckets(found, "iters"), key=lambda b: -b["key"])
        ]
        if iterations:
            state["last_max_iter"] = iterations[0]["iter"]
            state["last_min_iter"] = iterations[-1]["iter"]
        return {"task": state["task"], "metric": state["name"], "iterations": iterations}
