"""events.add and events.add_batch: validation per event, storage, task updates."""

from __future__ import annotations

import pytest

from bll.events.indices import name_hash
from tests.integration.events.api import Api, scalars

pytestmark = pytest.mark.integration


def test_add_stores_one_event_and_reports_it(api: Api) -> None:
    task = api.task()
    data = api.data("events.add", "2.1", type="training_stats_scalar", task=task, iter=3,
                    metric="loss", variant="train", value=0.5)
    assert data == {"added": 1, "errors": 0, "errors_info": {}}
    events = api.data("events.get_task_events", task=task)
    assert events["total"] == 1 and events["returned"] == 1
    event = events["events"][0]
    assert event["worker"] == "box1" and event["iter"] == 3 and event["value"] == 0.5
    assert event["@timestamp"].endswith("Z") and isinstance(event["timestamp"], int)


def test_batch_mixing_valid_and_invalid_events_stores_the_valid_ones(api: Api) -> None:
    task = api.task()
    published = api.task(status="published")
    lines = [
        *scalars(task, 3),
        {"type": "training_stats_scalar", "task": "no-such-task", "iter": 1, "value": 1},
        {"type": "plot", "task": published, "iter": 1, "plot_str": "{}"},
        {"type": "no_such_type", "task": task},
        {"type": "log", "task": task, "msg": "hello", "level": "info", "method": "get"},
    ]
    data = api.batch(lines)["data"]
    assert data["added"] == 4
    assert data["errors"] == 3
    assert data["errors_info"]["Invalid task id"] == 2
    assert sum(data["errors_info"].values()) == 3
    assert api.data("events.get_task_events", task=task)["total"] == 4


def test_batch_with_no_valid_event_fails_with_131(api: Api) -> None:
    result = api.batch([{"type": "log", "task": "missing", "msg": "x"}], expect=400)
    assert result["meta"]["result_subcode"] == 131
    assert "Invalid task id=1" in result["meta"]["result_msg"]


def test_malformed_line_is_named_by_number(api: Api) -> None:
    task = api.task()
    result = api.batch([scalars(task, 1)[0], b"{not json"], expect=400)
    assert result["meta"]["result_subcode"] == 18
    assert "2" in result["meta"]["result_msg"]


def test_adding_scalars_updates_the_task_last_iteration_and_metrics(api: Api) -> None:
    task = api.task()
    events = scalars(task, 10)
    events[4]["value"] = -7  # the minimum, reported early
    api.batch(events)
    api.batch([{"type": "training_stats_scalar", "task": task, "iter": 2, "metric": "loss",
                "variant": "train", "value": 100, "timestamp": 1_600_000_000_000}])
    doc = api.task_doc(task)
    assert doc["last_iteration"] == 9
    entry = doc["last_metrics"][name_hash("loss")][name_hash("train")]
    assert entry["metric"] == "loss" and entry["variant"] == "train"
    assert entry["min_value"] == -7 and entry["max_value"] == 100
    # the second batch's latest event is its only one
    assert entry["value"] == 100


def test_monitor_metrics_do_not_move_the_last_iteration(api: Api) -> None:
    task = api.task()
    api.batch([{"type": "training_stats_scalar", "task": task, "iter": 500,
                "metric": ":monitor:machine", "variant": "cpu", "value": 3}])
    assert api.task_doc(task)["last_iteration"] == 0


def test_resending_the_same_scalar_overwrites_it(api: Api) -> None:
    task = api.task()
    api.batch(scalars(task, 3))
    api.batch(scalars(task, 3))
    assert api.data("events.get_task_events", task=task)["total"] == 3


def test_events_of_another_company_are_invisible(api: Api, server) -> None:
    other = Api(server, company="globex", name="bob")
    task = api.task()
    api.batch(scalars(task, 2))
    result = other.call("events.get_task_events", task=task, expect=400)
    assert result["meta"]["result_subcode"] == 101
    assert other.batch(scalars(task, 1), expect=400)["meta"]["result_subcode"] == 131


def test_delete_for_task_removes_every_event_type(api: Api) -> None:
    task = api.task()
    keep = api.task()
    api.batch([*scalars(task, 3), {"type": "log", "task": task, "msg": "m"},
               *scalars(keep, 2)])
    assert api.data("events.delete_for_task", task=task) == {"deleted": True}
    assert api.data("events.get_task_events", task=task)["total"] == 0
    assert api.data("events.get_task_events", task=keep)["total"] == 2


def test_delete_for_a_published_task_needs_allow_locked(api: Api) -> None:
    task = api.task(status="published")
    assert api.call("events.delete_for_task", task=task, expect=400)["meta"][
        "result_subcode"] == 101
    assert api.data("events.delete_for_task", task=task, allow_locked=True) == {
        "deleted": False}


def test_delete_task_events_hook_deletes_for_the_tasks_service(api: Api, server) -> None:
    from endpoints import events_domain

    task = api.task()
    api.batch(scalars(task, 4))
    hook = events_domain.build(server.runtime.stores, server.config).delete_task_events
    assert hook(api.company, [task]) == 4
    assert api.data("events.get_task_events", task=task)["total"] == 0


def test_concurrent_batches_lose_no_task_update(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    task = api.task()

    def send(n: int) -> None:
        api.batch([{"type": "training_stats_scalar", "task": task, "iter": n * 10 + i,
                    "metric": f"m{n % 2}", "variant": "v", "value": n * 10 + i}
                   for i in range(10)])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(8)))
    doc = api.task_doc(task)
    assert doc["last_iteration"] == 79
    even = doc["last_metrics"][name_hash("m0")][name_hash("v")]
    odd = doc["last_metrics"][name_hash("m1")][name_hash("v")]
    assert (even["min_value"], even["max_value"]) == (0, 69)
    assert (odd["min_value"], odd["max_value"]) == (10, 79)


def test_add_of_an_invalid_event_fails_with_131(api: Api) -> None:
    result = api.call("events.add", "2.1", type="log", task="nope", msg="x", expect=400)
    assert result["meta"]["result_subcode"] == 131


def test_reads_of_an_unknown_task_fail_with_101(api: Api) -> None:
    for action in ("events.get_task_log", "events.get_task_events",
                   "events.scalar_metrics_iter_histogram", "events.get_task_plots",
                   "events.get_task_latest_scalar_values", "events.delete_for_task"):
        assert api.call(action, task="nope", expect=400)["meta"]["result_subcode"] == 101


def test_schema_invalid_lines_are_counted_by_reason(api: Api) -> None:
    task = api.task()
    data = api.batch([*scalars(task, 2),
                      {"type": "training_stats_scalar", "task": task, "value": "high"},
                      {"type": "training_stats_scalar", "task": task, "value": "low"}])["data"]
    assert data["added"] == 2 and data["errors"] == 2
    [(reason, count)] = data["errors_info"].items()
    assert reason.startswith("Invalid event") and count == 2
