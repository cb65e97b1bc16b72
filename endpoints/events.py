"""``events`` service: report task events and read them back."""

from __future__ import annotations

from collections import Counter
from typing import Any

from apiserver.call import Call, LineError, RawResponse
from apiserver.errors import APIError
from apiserver.registry import Binding
from apiserver.versions import Version
from bll.events.indices import SCALAR, VECTOR
from bll.events.service import EventsService

V1_7 = Version.parse("1.7")
V2_7 = Version.parse("2.7")


NO_EVENT_SCHEMA = "is not valid under any of the given schemas"


def batch_error_reason(error: LineError) -> str:
    """Return the reason a schema-invalid batch line is counted under (without its content)."""
    if NO_EVENT_SCHEMA in error.reason:
        # NOTE: the validator quotes the whole event here; counting needs a stable reason.
        where = f" ({error.field})" if error.field else ""
        return f"Invalid event: does not match the schema of any event type{where}"
    return f"Invalid event: {error.reason[:200]}"


def bindings(events: EventsService) -> list[Binding]:
    """Bind the events handlers to the events service."""

    def add(call: Call) -> dict[str, Any]:
        """Add one event."""
        return events.writer.add(call.company, [call.data], call.worker)

    def add_batch(call: Call) -> dict[str, Any]:
        """Add the valid events of a json-lines batch; count the invalid ones by reason."""
        invalid = Counter(batch_error_reason(e) for e in call.batch_errors)
        return events.writer.add(call.company, call.batch or [], call.worker, invalid)

    def delete_for_task(call: Call) -> dict[str, Any]:
        """Delete every event of a task."""
        deleted = events.delete_for_task(call.company, call.data["task"],
                                         call.data["allow_locked"])
        # NOTE: the schema declares a boolean: true when events were deleted.
        return {"deleted": deleted > 0}

    def debug_images(call: Call) -> dict[str, Any]:
        """Debug images of a task's last iterations (2.1), or per metric with navigation (2.7)."""
        d = call.data
        if call.actual_version >= V2_7:
            return events.images.navigate(call.company, d["metrics"], d.get("iters", 1),
                                          d.get("navigate_earlier", True),
                                          d.get("refresh", False), d.get("scroll_id"))
        events.tasks.get(call.company, d["task"])
        return events.images.task_images(call.company, d["task"], d.get("iters", 1),
                                         d.get("scroll_id"))

    def get_task_metrics(call: Call) -> dict[str, Any]:
        """Per task, the metrics having events of the requested type."""
        return {"metrics": events.task_metrics(call.company, call.data["tasks"],
                                               call.data.get("event_type"))}

    def get_task_log(call: Call) -> dict[str, Any]:
        """Return a page of a task's log: scrolled (1.5, 1.7) or navigated (2.7)."""
        d = call.data
        events.tasks.get(call.company, d["task"])
        size = d.get("batch_size", 500)
        if call.actual_version >= V2_7:
            return events.logs.navigate(call.company, d["task"], size,
                                        d.get("navigate_earlier", True), d.get("refresh", False),
                                        d.get("scroll_id"))
        from_ = d.get("from", "head") if call.actual_version >= V1_7 else None
        return events.logs.scroll(call.company, d["task"], d.get("order", "desc"), size,
                                  d.get("scroll_id"), from_)

    def get_task_events(call: Call) -> dict[str, Any]:
        """Return a page of a scroll over a task's events, by timestamp."""
        d = call.data
        events.tasks.get(call.company, d["task"])
        return events.logs.events(call.company, d["task"], d.get("order", "asc"),
                                  d.get("batch_size", 500), d.get("scroll_id"),
                                  d.get("event_type"))

    def download_task_log(call: Call) -> RawResponse:
        """Return the task's whole log as an attachment (json or formatted text lines)."""
        d = call.data
        events.tasks.get(call.company, d["task"])
        lines = events.logs.lines(call.company, d["task"], d.get("line_type", "json"),
                                  d.get("line_format", ""))
        return RawResponse(lines, "text/plain", f"task_{d['task']}.log")

    def get_task_plots(call: Call) -> dict[str, Any]:
        """Return plots of each metric/variant's last iterations."""
        d = call.data
        events.tasks.get(call.company, d["task"])
        return events.plots.task_plots(call.company, d["task"], d.get("iters", 1),
                                       d.get("scroll_id"))

    def get_multi_task_plots(call: Call) -> dict[str, Any]:
        """Return plots of several tasks' last iterations, nested by metric, variant and task."""
        return events.plots.multi_task_plots(call.company, call.data["tasks"],
                                             call.data.get("iters", 1))

    def get_vector_metrics_and_variants(call: Call) -> dict[str, Any]:
        """Return the vector metrics of a task with their variants."""
        events.tasks.get(call.company, call.data["task"])
        found = events.scalars.metrics_and_variants(call.company, call.data["task"], VECTOR)
        return {"metrics": [{"metric": m, "variants": v} for m, v in sorted(found.items())]}

    def vector_metrics_iter_histogram(call: Call) -> dict[str, Any]:
        """Return the vectors of one metric/variant by iteration."""
        d = call.data
        events.tasks.get(call.company, d["task"])
        return events.scalars.vector_histogram(call.company, d["task"], d["metric"],
                                               d["variant"])

    def scalar_metrics_iter_histogram(call: Call) -> dict[str, Any]:
        """Each scalar metric/variant down-sampled to about ``samples`` points."""
        d = call.data
        events.tasks.get(call.company, d["task"])
        return events.scalars.histogram(call.company, d["task"], d.get("samples", 10000),
                                        d.get("key", "iter"))

    def multi_task_scalar_metrics_iter_histogram(call: Call) -> dict[str, Any]:
        """Return the scalar histograms of several tasks, nested by metric, variant and task."""
        d = call.data
        return events.scalars.multi_task_histogram(call.company, d["tasks"],
                                                   d.get("samples", 10000), d.get("key", "iter"))

    def get_task_latest_scalar_values(call: Call) -> dict[str, Any]:
        """Each scalar variant's last value and the average of its last 100 values."""
        return events.scalars.latest_values(call.company, call.data["task"])

    def get_scalar_metrics_and_variants(call: Call) -> dict[str, Any]:
        """Return the scalar metrics of a task with their variants."""
        events.tasks.get(call.company, call.data["task"])
        return {"metrics": events.scalars.metrics_and_variants(call.company, call.data["task"],
                                                               SCALAR)}

    def get_scalar_metric_data(call: Call) -> dict[str, Any]:
        """Return a page of one scalar metric's events, latest iterations first."""
        d = call.data
        if "task" not in d or "metric" not in d:
            raise APIError("missing_required_fields", missing=["task", "metric"])
        events.tasks.get(call.company, d["task"])
        return events.scalars.metric_data(call.company, d["task"], d["metric"],
                                          d.get("scroll_id"))

    return [
        Binding("events.add", "2.1", add),
        Binding("events.add_batch", "2.1", add_batch),
        Binding("events.delete_for_task", "2.1", delete_for_task),
        Binding("events.debug_images", "2.1", debug_images),
        Binding("events.get_task_metrics", "2.7", get_task_metrics),
        Binding("events.get_task_log", "1.5", get_task_log),
        Binding("events.get_task_events", "2.1", get_task_events),
        Binding("events.download_task_log", "2.1", download_task_log),
        Binding("events.get_task_plots", "2.1", get_task_plots),
        Binding("events.get_multi_task_plots", "2.1", get_multi_task_plots),
        Binding("events.get_vector_metrics_and_variants", "2.1",
                get_vector_metrics_and_variants),
        Binding("events.vector_metrics_iter_histogram", "2.1", vector_metrics_iter_histogram),
        Binding("events.scalar_metrics_iter_histogram", "2.1", scalar_metrics_iter_histogram),
        Binding("events.multi_task_scalar_metrics_iter_histogram", "2.1",
                multi_task_scalar_metrics_iter_histogram),
        Binding("events.get_task_latest_scalar_values", "2.1", get_task_latest_scalar_values),
        Binding("events.get_scalar_metrics_and_variants", "2.1",
                get_scalar_metrics_and_variants),
        Binding("events.get_scalar_metric_data", "2.1", get_scalar_metric_data),
    ]
