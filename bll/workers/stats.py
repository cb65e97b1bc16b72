"""Machine statistics of workers: one Elasticsearch document per reported value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from elasticsearch import Elasticsearch

from apiserver.errors import APIError

MAX_TERMS = 10000
AGGREGATIONS = ("avg", "min", "max")
MAPPING: dict[str, Any] = {
    "properties": {
        "timestamp": {"type": "date", "format": "epoch_millis"},
        "worker": {"type": "keyword"},
        "task": {"type": "keyword"},
        "category": {"type": "keyword"},
        "metric": {"type": "keyword"},
        "variant": {"type": "keyword"},
        "value": {"type": "double"},
    },
}


def stat_documents(worker: str, task: str | None, timestamp: int,
                   machine_stats: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return one document per value: scalars as variant "total", lists per element."""
    docs = []
    for metric, value in machine_stats.items():
        if not value:
            continue
        values = value if isinstance(value, list) else [value]
        variants = [str(i) for i in range(len(values))] if isinstance(value, list) else ["total"]
        for variant, item in zip(variants, values, strict=True):
            docs.append({"timestamp": timestamp, "worker": worker, "task": task,
                         "category": metric.split("_", 1)[0], "metric": metric,
                         "variant": variant, "value": float(item)})
    return docs


LATEST_DATE = 253402300799  # 9999-12-31T23:59:59Z, in epoch seconds
MAX_INTERVALS = 10_000


def check_time_range(from_date: float, to_date: float, interval: int) -> int:
    """Refuse a range the event store cannot chart; return the interval (at least 1 s).

    NOTE: bounded so that a request can neither overflow the store's date type nor ask it
    for millions of buckets.
    """
    if not 0 <= from_date < to_date <= LATEST_DATE:
        raise APIError("fields_value_error",
                       f"from_date and to_date must be epoch seconds, 0 <= from_date < to_date "
                       f"<= {LATEST_DATE}")
    interval = max(int(interval), 1)
    if (to_date - from_date) / interval > MAX_INTERVALS:
        raise APIError("fields_value_error",
                       f"the range holds more than {MAX_INTERVALS} intervals; widen the interval")
    return interval


class WorkerStats:
    """Write and aggregate the machine statistics of a company's workers."""

    def __init__(self, es: Elasticsearch, prefix: str) -> None:
        self.es = es
        self.prefix = prefix

    def index(self, company: str, timestamp_ms: int) -> str:
        """Return the monthly index that holds statistics reported at ``timestamp_ms``."""
        month = datetime.fromtimestamp(timestamp_ms / 1000, UTC).strftime("%Y-%m")
        return f"{self.prefix}worker_stats_{company.lower()}_{month}"

    def pattern(self, company: str) -> str:
        """Return the index pattern of all of a company's statistics."""
        return f"{self.prefix}worker_stats_{company.lower()}_*"

    def prepare(self) -> None:
        """Create (or replace) the index template of the statistics indices."""
        self.es.indices.put_index_template(
            name=f"{self.prefix}worker_stats", index_patterns=[f"{self.prefix}worker_stats_*"],
            template={"settings": {"number_of_shards": 1, "number_of_replicas": 0},
                      "mappings": MAPPING},
            priority=10,
        )

    def log(self, company: str, worker: str, task: str | None, timestamp_ms: int,
            machine_stats: Mapping[str, Any]) -> int:
        """Store a status report's statistics; return how many values were stored."""
        docs = stat_documents(worker, task, timestamp_ms, machine_stats)
        if not docs:
            return 0
        action = orjson.dumps({"index": {"_index": self.index(company, timestamp_ms)}})
        body = b"".join(action + b"\n" + orjson.dumps(doc) + b"\n" for doc in docs)
        # NOTE: the client passes a pre-serialised ndjson body through unchanged.
        self.es.bulk(operations=body, refresh=True)  # type: ignore[arg-type]
        return len(docs)

    def _search(self, company: str, **body: Any) -> dict[str, Any]:
        return dict(self.es.search(index=self.pattern(company), ignore_unavailable=True,
                                   allow_no_indices=True, size=0, **body))

    def metric_keys(self, company: str, worker_ids: Iterable[str] | None) -> list[dict[str, Any]]:
        """Return the categories and metric keys found in the workers' statistics."""
        query = {"terms": {"worker": list(worker_ids)}} if worker_ids else {"match_all": {}}
        aggs = {"categories": {"terms": {"field": "category", "size": MAX_TERMS}, "aggs": {
            "metrics": {"terms": {"field": "metric", "size": MAX_TERMS}}}}}
        found = _buckets(self._search(company, query=query, aggs=aggs), "categories")
        if not found:
            raise APIError("worker_stats_not_found")
        return [{"name": c["key"], "metric_keys": sorted(m["key"] for m in c["metrics"]["buckets"])}
                for c in sorted(found, key=lambda c: c["key"])]

    def stats(self, company: str, from_date: float, to_date: float, interval: int,
              items: list[dict[str, str]], worker_ids: list[str] | None,
              split_by_variant: bool) -> list[dict[str, Any]]:
        """Return min/max/avg of the requested metrics per worker and time interval."""
        interval = check_time_range(from_date, to_date, interval)
        wanted: dict[str, list[str]] = {}
        for item in items:
            aggregation = item.get("aggregation") or item.get("category") or "avg"
            kinds = wanted.setdefault(item["key"], [])
            if aggregation not in kinds:
                kinds.append(aggregation)
        filters: list[dict[str, Any]] = [
            {"range": {"timestamp": {"gte": int(from_date * 1000), "lte": int(to_date * 1000)}}},
            {"terms": {"metric": list(wanted)}},
        ]
        if worker_ids:
            filters.append({"terms": {"worker": worker_ids}})
        dates: dict[str, Any] = {
            "date_histogram": {"field": "timestamp", "fixed_interval": f"{interval}s",
                               "min_doc_count": 1},
            "aggs": {k: {k: {"field": "value"}} for k in AGGREGATIONS},
        }
        series: dict[str, Any] = {"dates": dates}
        if split_by_variant:
            series = {"variants": {"terms": {"field": "variant", "size": MAX_TERMS},
                                   "aggs": series}}
        aggs = {"workers": {"terms": {"field": "worker", "size": MAX_TERMS}, "aggs": {
            "metrics": {"terms": {"field": "metric", "size": MAX_TERMS}, "aggs": series}}}}
        found = self._search(company, query={"bool": {"filter": filters}}, aggs=aggs)
        result = []
        for worker in sorted(_buckets(found, "workers"), key=lambda b: b["key"]):
            metrics = []
            for metric in sorted(worker["metrics"]["buckets"], key=lambda b: b["key"]):
                kinds = wanted[metric["key"]]
                if split_by_variant:
                    for variant in sorted(metric["variants"]["buckets"], key=lambda b: b["key"]):
                        metrics.append({"metric": metric["key"], "variant": variant["key"],
                                        **_series(variant["dates"]["buckets"], kinds)})
                else:
                    metrics.append({"metric": metric["key"],
                                    **_series(metric["dates"]["buckets"], kinds)})
            result.append({"worker": worker["key"], "metrics": metrics})
        return result

    def activity(self, company: str, from_date: float, to_date: float,
                 interval: int) -> dict[str, Any]:
        """Return the number of reporting workers, and of working ones, per interval."""
        interval = check_time_range(from_date, to_date, interval)
        dates = {"date_histogram": {"field": "timestamp", "fixed_interval": f"{interval}s",
                                    "min_doc_count": 1},
                 "aggs": {"workers": {"cardinality": {"field": "worker"}}}}
        query = {"range": {"timestamp": {"gte": int(from_date * 1000),
                                         "lte": int(to_date * 1000)}}}
        aggs = {"total": dates, "active": {"filter": {"exists": {"field": "task"}},
                                           "aggs": {"dates": dates}}}
        found = self._search(company, query=query, aggs=aggs)
        aggregations = found.get("aggregations") or {}
        # NOTE: the last bucket is dropped when it is incomplete.
        last = (to_date - 0.9 * interval) * 1000

        def series(buckets: list[dict[str, Any]]) -> dict[str, list[int]]:
            kept = [b for b in buckets if b["key"] <= last]
            return {"dates": [int(b["key"]) for b in kept],
                    "counts": [int(b["workers"]["value"]) for b in kept]}

        return {
            "total": series(aggregations.get("total", {}).get("buckets", [])),
            "active": series(aggregations.get("active", {}).get("dates", {}).get("buckets", [])),
        }


def _series(buckets: list[dict[str, Any]], kinds: list[str]) -> dict[str, Any]:
    return {"dates": [int(b["key"]) for b in buckets],
            "stats": [{"aggregation": k, "values": [b[k]["value"] for b in buckets]}
                      for k in kinds]}


def _buckets(result: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    return list(((result.get("aggregations") or {}).get(name) or {}).get("buckets", []))
