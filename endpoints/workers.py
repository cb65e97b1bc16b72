"""``workers`` service: worker registration, status reports and machine statistics."""

from __future__ import annotations

from typing import Any

from apiserver.call import Call
from apiserver.registry import Binding
from bll.workers.service import WorkerService


def bindings(workers: WorkerService) -> list[Binding]:
    """Bind the workers handlers to the worker service."""

    def register(call: Call) -> None:
        """Register a worker (replacing an earlier registration)."""
        assert call.identity is not None
        d = call.data
        workers.register(call.identity, d["worker"], d.get("timeout"), d.get("queues"),
                         d.get("tags"))

    def unregister(call: Call) -> None:
        """Unregister a worker."""
        assert call.identity is not None
        workers.unregister(call.identity, call.data["worker"])

    def status_report(call: Call) -> None:
        """Record a worker's status and machine statistics."""
        assert call.identity is not None
        workers.status_report(call.identity, call.remote_addr, call.data)

    def get_all(call: Call) -> dict[str, Any]:
        """List the company's workers (``tags`` filter from 999.0)."""
        d = call.data
        return {"workers": workers.get_all(call.company, d.get("last_seen"), d.get("tags"))}

    def get_metric_keys(call: Call) -> dict[str, Any]:
        """Return the statistics categories and metric keys of the workers."""
        return {"categories": workers.stats.metric_keys(call.company,
                                                        call.data.get("worker_ids"))}

    def get_stats(call: Call) -> dict[str, Any]:
        """Min/max/avg of machine statistics per worker and interval."""
        d = call.data
        return {"workers": workers.stats.stats(call.company, d["from_date"], d["to_date"],
                                               d["interval"], d["items"], d.get("worker_ids"),
                                               d.get("split_by_variant", False))}

    def get_activity_report(call: Call) -> dict[str, Any]:
        """Total and working worker counts per interval."""
        d = call.data
        return workers.stats.activity(call.company, d["from_date"], d["to_date"], d["interval"])

    return [
        Binding("workers.register", "2.4", register),
        Binding("workers.unregister", "2.4", unregister),
        Binding("workers.status_report", "2.4", status_report),
        Binding("workers.get_all", "2.4", get_all),
        Binding("workers.get_metric_keys", "2.4", get_metric_keys),
        Binding("workers.get_stats", "2.4", get_stats),
        Binding("workers.get_activity_report", "2.4", get_activity_report),
    ]
