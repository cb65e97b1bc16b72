"""Scalar and vector reads: histograms with down-sampling, latest values, metric lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.events.api import Api, scalars

pytestmark = pytest.mark.integration


def test_histogram_down_samples_to_the_mean_of_each_block(api: Api) -> None:
    task = api.task()
    api.batch(scalars(task, 100))
    data = api.data("events.scalar_metrics_iter_histogram", task=task, samples=10)
    series = data["loss"]["train"]
    assert series["name"] == "train"
    assert series["x"] == list(range(0, 100, 10))
    assert series["y"] == [b * 10 + 4.5 for b in range(10)]


@pytest.mark.parametrize("samples", [100, 0, None])
def test_histogram_returns_every_point_when_samples_allow(api: Api, samples) -> None:
    task = api.task()
    api.batch(scalars(task, 100))
    request = {"task": task} if samples is None else {"task": task, "samples": samples}
    series = api.data("events.scalar_metrics_iter_histogram", **request)["loss"]["train"]
    assert series["x"] == list(range(100)) and series["y"] == [float(i) for i in range(100)]


def test_histogram_by_timestamp_and_iso_time(api: Api) -> None:
    task = api.task()
    start = 1_700_000_000_000
    api.batch(scalars(task, 4, start_ms=start))
    by_ms = api.data("events.scalar_metrics_iter_histogram", task=task, key="timestamp")
    assert by_ms["loss"]["train"]["x"] == [start + i * 1000 for i in range(4)]
    by_iso = api.data("events.scalar_metrics_iter_histogram", task=task, key="iso_time")
    first = by_iso["loss"]["train"]["x"][0]
    assert datetime.fromisoformat(first) == datetime.fromtimestamp(start / 1000, UTC)
    assert by_iso["loss"]["train"]["y"] == [0.0, 1.0, 2.0, 3.0]


def test_multi_task_histogram_nests_tasks_under_each_variant(api: Api) -> None:
    one, two = api.task(name="one"), api.task(name="two")
    api.batch([*scalars(one, 20), *scalars(two, 10, variant="test")])
    data = api.data("events.multi_task_scalar_metrics_iter_histogram", tasks=[one, two],
                    samples=5)
    metrics = data["metrics"]
    assert metrics["loss"]["train"][one] == {
        "name": "one", "x": [0, 4, 8, 12, 16], "y": [1.5, 5.5, 9.5, 13.5, 17.5]}
    assert metrics["loss"]["test"][two]["x"] == [0, 2, 4, 6, 8]
    missing = api.call("events.multi_task_scalar_metrics_iter_histogram",
                       tasks=[one, "nope"], expect=400)
    assert missing["meta"]["result_subcode"] == 101


def test_latest_scalar_values_average_the_last_hundred_positive_values(api: Api) -> None:
    task = api.task(name="trainer", status="in_progress")
    api.batch([*scalars(task, 150), *scalars(task, 3, metric="acc", variant="val"),
               {"type": "log", "task": task, "msg": "x"},
               {"type": "plot", "task": task, "iter": 200, "plot_str": "{}"}])
    data = api.data("events.get_task_latest_scalar_values", task=task)
    assert [m["name"] for m in data["metrics"]] == ["acc", "loss"]
    acc, loss = data["metrics"]
    # value 0 is not positive, so acc has values 1 and 2
    assert acc["variants"] == [{"name": "val", "last_value": 2, "last_100_value": 1.5}]
    # last 100 values of 1..149 are 50..149
    assert loss["variants"] == [{"name": "train", "last_value": 149, "last_100_value": 99.5}]
    assert data["last_iter"] == 200 and data["name"] == "trainer"
    assert data["status"] == "in_progress" and isinstance(data["last_timestamp"], int)


def test_scalar_metrics_and_variants_and_metric_data(api: Api) -> None:
    task = api.task()
    api.batch([*scalars(task, 3), *scalars(task, 2, variant="test"),
               *scalars(task, 2, metric="acc", variant="a")])
    data = api.data("events.get_scalar_metrics_and_variants", task=task)
    assert data == {"metrics": {"acc": ["a"], "loss": ["test", "train"]}}
    page = api.data("events.get_scalar_metric_data", task=task, metric="loss")
    assert page["total"] == 5 and [e["iter"] for e in page["events"]] == [2, 1, 1, 0, 0]


def test_vector_metrics(api: Api) -> None:
    task = api.task()
    api.batch([{"type": "training_stats_vector", "task": task, "iter": i, "metric": "hist",
                "variant": "w", "values": [i, i + 1]} for i in (1, 0)])
    data = api.data("events.get_vector_metrics_and_variants", task=task)
    assert data == {"metrics": [{"metric": "hist", "variants": ["w"]}]}
    vectors = api.data("events.vector_metrics_iter_histogram", task=task, metric="hist",
                       variant="w")
    assert vectors == {"metric": "hist", "variant": "w", "vectors": [[0, 1], [1, 2]],
                       "iterations": [0, 1]}


def test_get_task_metrics_by_event_type(api: Api) -> None:
    one, two = api.task(), api.task()
    api.batch([*scalars(one, 1), *scalars(one, 1, metric="acc"),
               {"type": "plot", "task": two, "iter": 0, "metric": "roc", "plot_str": "{}"}])
    data = api.data("events.get_task_metrics", "2.7", tasks=[one, two],
                    event_type="training_stats_scalar")
    assert data == {"metrics": [{"task": one, "metrics": ["acc", "loss"]},
                                {"task": two, "metrics": []}]}


def test_scalar_metric_data_returns_every_event_at_once(api: Api) -> None:
    # NOTE: the request schema declares no scroll_id, so there is no second page to ask for
    task = api.task()
    api.batch(scalars(task, 600))
    data = api.data("events.get_scalar_metric_data", task=task, metric="loss")
    assert data["returned"] == 600 and data["total"] == 600
    assert [e["iter"] for e in data["events"]] == list(range(599, -1, -1))
