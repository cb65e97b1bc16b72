"""Queue metrics in Elasticsearch: one document per queue change, aggregated per interval.

Index per company and month: ``<prefix>queue_metrics_<company>_<YYYY-MM>`` (reference §C3).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError

from apiserver.errors import APIError

log = logging.getLogger("bll.queues.metrics")

LOOK_BACK_SEC = 3600
MAPPINGS = {
    "properties": {
        "timestamp": {"type": "date"},
        "queue": {"type": "keyword"},
        "average_waiting_time": {"type": "float"},
        "queue_length": {"type": "integer"},
    }
}


class QueueMetrics:
    """Write queue snapshots and answer ``get_queue_metrics``."""

    def __init__(self, elastic: Elasticsearch, index_prefix: str = "") -> None:
        self._es = elastic
        self._prefix = index_prefix

    def index_pattern(self, company: str) -> str:
        """Return the index pattern of one company (every month)."""
        return f"{self._prefix}queue_metrics_{company.lower()}_*"

    def prepare(self) -> None:
        """Create the index template of the metrics indices (idempotent)."""
        self._es.indices.put_index_template(
            name=f"{self._prefix}queue_metrics",
            index_patterns=[f"{self._prefix}queue_metrics_*"],
            template={"mappings": MAPPINGS},
        )

    def log(self, company: str, queue: str, added: Sequence[datetime], now: datetime) -> None:
        """Record the queue's length and mean waiting time now; failures are only logged."""
        waiting = [(now - a).total_seconds() for a in added]
        document = {
            "timestamp": int(now.replace(tzinfo=UTC).timestamp() * 1000),
            "queue": queue,
            "average_waiting_time": sum(waiting) / len(waiting) if waiting else 0.0,
            "queue_length": len(waiting),
        }
        index = f"{self._prefix}queue_metrics_{company.lower()}_{now:%Y-%m}"
        try:
            self._es.index(index=index, document=document)
        except (ApiError, TransportError) as exc:
            log.warning("queue metrics of %s not written: %s", queue, exc)

    def get(self, company: str, from_date: float, to_date: float, interval: int,
            queue_ids: Sequence[str] = ()) -> list[dict[str, Any]]:
        """Return per-queue series, or one ``total`` series when no queue is named."""
        if from_date >= to_date:
            raise APIError("fields_value_error", "from_date must be before to_date")
        if interval < 1:
            raise APIError("validation_error", "interval must be at least 1 second")
        buckets = self._buckets(company, from_date, to_date, interval, queue_ids)
        first_shown = (from_date - interval) * 1000
        if queue_ids:
            return _per_queue(buckets, first_shown)
        return [_total(buckets, first_shown)] if buckets else []

    def _buckets(self, company: str, from_date: float, to_date: float, interval: int,
                 queue_ids: Sequence[str]) -> list[tuple[int, dict[str, tuple[float, int]]]]:
        """Return (bucket start ms, {queue: (waiting, length)}) with the worst doc per queue."""
        # NOTE: an explicit epoch_millis format: osmem reads bare numbers as seconds.
        filters: list[dict[str, Any]] = [{"range": {"timestamp": {
            "gte": int((from_date - LOOK_BACK_SEC) * 1000), "lte": int(to_date * 1000),
            "format": "epoch_millis"}}}]
        if queue_ids:
            filters.append({"terms": {"queue": list(queue_ids)}})
        aggs = {"dates": {
            "date_histogram": {"field": "timestamp", "fixed_interval": f"{interval}s",
                               "min_doc_count": 1},
            "aggs": {"queues": {
                "terms": {"field": "queue", "size": 1000},
                "aggs": {"top": {"top_hits": {
                    "size": 1,
                    "sort": [{"average_waiting_time": {"order": "desc"}},
                             {"queue_length": {"order": "desc"}}],
                    "_source": ["average_waiting_time", "queue_length"],
                }}},
            }},
        }}
        result = self._es.search(index=self.index_pattern(company), size=0,
                                 query={"bool": {"filter": filters}}, aggs=aggs,
                                 ignore_unavailable=True, allow_no_indices=True)
        out = []
        for bucket in result.get("aggregations", {}).get("dates", {}).get("buckets", []):
            values = {}
            for queue in bucket["queues"]["buckets"]:
                source = queue["top"]["hits"]["hits"][0]["_source"]
                values[queue["key"]] = (float(source["average_waiting_time"]),
                                        int(source["queue_length"]))
            if values:
                out.append((int(bucket["key"]), values))
        return out


def _per_queue(buckets: list[tuple[int, dict[str, tuple[float, int]]]],
               first_shown: float) -> list[dict[str, Any]]:
    series: dict[str, dict[str, Any]] = {}
    for date, values in buckets:
        if date < first_shown:
            continue
        for queue, (waiting, length) in values.items():
            item = series.setdefault(queue, {"queue": queue, "dates": [],
                                             "avg_waiting_times": [], "queue_lengths": []})
            item["dates"].append(date)
            item["avg_waiting_times"].append(waiting)
            item["queue_lengths"].append(length)
    return list(series.values())


def _total(buckets: list[tuple[int, dict[str, tuple[float, int]]]],
           first_shown: float) -> dict[str, Any]:
    known: dict[str, tuple[float, int]] = {}
    total: dict[str, Any] = {"queue": "total", "dates": [], "avg_waiting_times": [],
                             "queue_lengths": []}
    for date, values in buckets:
        known.update(values)
        if date < first_shown:
            continue
        length = sum(n for _, n in known.values())
        waiting = sum(w * n for w, n in known.values()) / length if length else 0.0
        total["dates"].append(date)
        total["avg_waiting_times"].append(waiting)
        total["queue_lengths"].append(length)
    return total
