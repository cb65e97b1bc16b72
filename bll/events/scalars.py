"""Scalar and vector metrics: histograms with down-sampling, latest values, metric lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bll.events.indices import EVENT_TYPES, SCALAR, VECTOR
from bll.events.search import MAX_PAGE, EventSearch, task_query
from bll.events.tasks import TaskAccess

MAX_TERMS = 10000
GROUP_TOLERANCE = 0.1
MAX_SERIES_PER_REQUEST = 50
LAST_VALUES = 100


@dataclass(frozen=True)
class Series:
    """One metric/variant of a task, with the extent of its histogram key."""

    metric: str
    variant: str
    count: int
    min_key: float
    max_key: float


def sample_interval(series: Series, samples: int) -> int:
    """Return the bucket width giving at most about ``samples`` points (1 = every point)."""
    if samples <= 0 or series.count < samples:
        return 1
    return max(1, int(series.max_key - series.min_key + 1) // samples)


def group_by_interval(intervals: Mapping[Series, int],
                      max_size: int = MAX_SERIES_PER_REQUEST) -> list[tuple[int, list[Series]]]:
    """Group series whose intervals are within 10% of the group's first (smallest) interval.

    Every member of a group uses the first interval; a group holds at most ``max_size`` series.
    """
    groups: list[tuple[int, list[Series]]] = []
    for series, interval in sorted(intervals.items(), key=lambda kv: kv[1]):
        if groups:
            first, members = groups[-1]
            if interval <= first * (1 + GROUP_TOLERANCE) and len(members) < max_size:
                members.append(series)
                continue
        groups.append((interval, [series]))
    return groups


class ScalarReader:
    """Reads of scalar and vector events."""

    def __init__(self, search: EventSearch, tasks: TaskAccess) -> None:
        self.search = search
        self.tasks = tasks

    def metrics_and_variants(self, company: str, task: str,
                             event_type: str) -> dict[str, list[str]]:
        """Return metric → sorted variants of the task's events of one type."""
        aggs = {"metrics": {"terms": {"field": "metric", "size": MAX_TERMS}, "aggs": {
            "variants": {"terms": {"field": "variant", "size": MAX_TERMS}}}}}
        result = self.search.search(company, [event_type], query=task_query(task), size=0,
                                    aggs=aggs)
        return {
            m["key"]: sorted(v["key"] for v in m["variants"]["buckets"])
            for m in buckets(result, "metrics")
        }

    def metric_data(self, company: str, task: str, metric: str,
                    scroll_id: str | None) -> dict[str, Any]:
        """Return a metric's scalar events, latest iteration first (up to 10,000 at once).

        NOTE: the 2.1 request schema declares no ``scroll_id``, so clients cannot page: the
        first page is as large as a search allows.
        """
        events, total, next_id = self.search.page(
            company, [SCALAR], scroll_id, query=task_query(task, {"term": {"metric": metric}}),
            sort=[{"iter": "desc"}], size=MAX_PAGE,
        )
        result: dict[str, Any] = {"events": events, "returned": len(events), "total": total}
        if next_id:
            result["scroll_id"] = next_id
        return result

    def histogram(self, company: str, task: str, samples: int,
                  key: str) -> dict[str, dict[str, dict[str, Any]]]:
        """Return metric → variant → {name, x, y}, down-sampled to about ``samples`` points."""
        field = "iter" if key == "iter" else "timestamp"
        series = self._series(company, task, field)
        intervals = {s: sample_interval(s, samples) for s in series}
        result: dict[str, dict[str, dict[str, Any]]] = {}
        for interval, members in group_by_interval(intervals):
            self._group_histogram(company, task, key, field, interval, members, result)
        return result

    def _series(self, company: str, task: str, field: str) -> list[Series]:
        aggs = {"metrics": {"terms": {"field": "metric", "size": MAX_TERMS}, "aggs": {
            "variants": {"terms": {"field": "variant", "size": MAX_TERMS}, "aggs": {
                "extent": {"stats": {"field": field}}}}}}}
        result = self.search.search(
            company, [SCALAR], size=0, aggs=aggs,
            query=task_query(task, {"exists": {"field": field}}),
        )
        return [
            Series(m["key"], v["key"], int(v["extent"]["count"]), v["extent"]["min"],
                   v["extent"]["max"])
            for m in buckets(result, "metrics") for v in m["variants"]["buckets"]
            if v["extent"]["count"]
        ]

    def _group_histogram(self, company: str, task: str, key: str, field: str, interval: int,
                         members: Sequence[Series],
                         result: dict[str, dict[str, dict[str, Any]]]) -> None:
        if key == "iter":
            histogram: dict[str, Any] = {"histogram": {"field": field, "interval": interval,
                                                       "min_doc_count": 1}}
        else:
            histogram = {"date_histogram": {"field": field, "fixed_interval": f"{interval}ms",
                                            "min_doc_count": 1}}
            if key == "iso_time":
                histogram["date_histogram"]["format"] = "strict_date_time"
        histogram["aggs"] = {"y": {"avg": {"field": "value"}}}
        wanted = [{"bool": {"filter": [{"term": {"metric": s.metric}},
                                       {"term": {"variant": s.variant}}]}} for s in members]
        aggs = {"metrics": {"terms": {"field": "metric", "size": MAX_TERMS}, "aggs": {
            "variants": {"terms": {"field": "variant", "size": MAX_TERMS}, "aggs": {
                "points": histogram}}}}}
        query = task_query(task, {"bool": {"should": wanted, "minimum_should_match": 1}})
        found = self.search.search(company, [SCALAR], size=0, query=query, aggs=aggs)
        for m in buckets(found, "metrics"):
            for v in m["variants"]["buckets"]:
                points = v["points"]["buckets"]
                x = [p["key_as_string"] if key == "iso_time" else int(p["key"]) for p in points]
                y = [p["y"]["value"] for p in points]
                result.setdefault(m["key"], {})[v["key"]] = {"name": v["key"], "x": x, "y": y}

    def multi_task_histogram(self, company: str, task_ids: list[str], samples: int,
                             key: str) -> dict[str, Any]:
        """Return metric → variant → task id → {name (the task's), x, y}."""
        tasks = self.tasks.require(company, task_ids, ("name",))
        metrics: dict[str, dict[str, dict[str, Any]]] = {}
        for task_id in dict.fromkeys(task_ids):
            for metric, variants in self.histogram(company, task_id, samples, key).items():
                for variant, points in variants.items():
                    metrics.setdefault(metric, {}).setdefault(variant, {})[task_id] = {
                        "x": points["x"], "y": points["y"],
                        "name": str(tasks[task_id].get("name", "")),
                    }
        return {"metrics": metrics}

    def latest_values(self, company: str, task_id: str) -> dict[str, Any]:
        """Return each variant's last value and the average of its last 100 positive values."""
        task = self.tasks.get(company, task_id, ("name", "status"))
        aggs = {
            "last_timestamp": {"max": {"field": "@timestamp"}},
            "metrics": {"terms": {"field": "metric", "size": MAX_TERMS}, "aggs": {
                "variants": {"terms": {"field": "variant", "size": MAX_TERMS}, "aggs": {
                    "last": {"top_hits": {"size": LAST_VALUES, "sort": [{"iter": "desc"}],
                                          "_source": {"includes": ["value"]}}}}}}},
        }
        query = task_query(task_id, {"range": {"value": {"gt": 0}}})
        result = self.search.search(company, [SCALAR], size=0, query=query, aggs=aggs)
        metrics = []
        for m in sorted(buckets(result, "metrics"), key=lambda b: b["key"]):
            variants = []
            for v in sorted(m["variants"]["buckets"], key=lambda b: b["key"]):
                values = [hit["_source"]["value"] for hit in v["last"]["hits"]["hits"]]
                variants.append({"name": v["key"], "last_value": values[0],
                                 "last_100_value": sum(values) / len(values)})
            metrics.append({"name": m["key"], "variants": variants})
        response: dict[str, Any] = {
            "metrics": metrics, "last_iter": self.last_iteration(company, task_id),
            "name": task.get("name", ""), "status": task.get("status", ""),
        }
        stamp = (result.get("aggregations") or {}).get("last_timestamp", {}).get("value")
        if stamp is not None:
            response["last_timestamp"] = int(stamp)
        return response

    def last_iteration(self, company: str, task: str) -> int:
        """Return the highest iteration over every event type of the task (0 if none)."""
        result = self.search.search(company, EVENT_TYPES, size=0, query=task_query(task),
                                    aggs={"last": {"max": {"field": "iter"}}})
        value = (result.get("aggregations") or {}).get("last", {}).get("value")
        return int(value) if value is not None else 0

    def vector_histogram(self, company: str, task: str, metric: str,
                         variant: str) -> dict[str, Any]:
        """Return the vectors of one metric/variant by iteration."""
        query = task_query(task, {"term": {"metric": metric}}, {"term": {"variant": variant}})
        result = self.search.search(company, [VECTOR], query=query, size=MAX_PAGE,
                                    sort=[{"iter": "asc"}])
        hits = [hit["_source"] for hit in result["hits"]["hits"]]
        return {"metric": metric, "variant": variant,
                "vectors": [h.get("value", []) for h in hits],
                "iterations": [h.get("iter") for h in hits]}


def buckets(result: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """Return the buckets of a top-level aggregation (none if the indices are missing)."""
    return list(((result.get("aggregations") or {}).get(name) or {}).get("buckets", []))
