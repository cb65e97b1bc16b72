"""Workers' machine statistics: metric keys, stats per interval, activity report."""

from __future__ import annotations

import pytest

from tests.integration.events.api import Api

pytestmark = pytest.mark.integration

T0 = 1_700_000_040  # seconds; a multiple of 10 and 60


def report(api: Api, worker: str, at: int, task: str | None = None, **stats) -> None:
    request = {"worker": worker, "timestamp": at * 1000, "machine_stats": stats}
    if task:
        request["task"] = task
    api.data("workers.status_report", **request)


@pytest.fixture
def reported(api: Api) -> Api:
    task = api.task()
    report(api, "w1", T0 + 1, cpu_usage=[10, 30], memory_used=1000, task=task)
    report(api, "w1", T0 + 5, cpu_usage=[20, 40], memory_used=3000, gpu_usage=[], task=task)
    report(api, "w1", T0 + 12, cpu_usage=[50, 50], memory_used=2000)
    report(api, "w2", T0 + 3, cpu_usage=[90], network_rx=0)
    return api


def test_get_metric_keys_groups_metrics_by_category(reported: Api) -> None:
    data = reported.data("workers.get_metric_keys")
    assert data == {"categories": [{"name": "cpu", "metric_keys": ["cpu_usage"]},
                                   {"name": "memory", "metric_keys": ["memory_used"]}]}
    only = reported.data("workers.get_metric_keys", worker_ids=["w2"])
    assert only == {"categories": [{"name": "cpu", "metric_keys": ["cpu_usage"]}]}


def test_get_metric_keys_without_stats_fails(api: Api) -> None:
    assert api.call("workers.get_metric_keys", expect=400)["meta"]["result_subcode"] == 1005


def test_get_stats_aggregates_per_interval(reported: Api) -> None:
    data = reported.data("workers.get_stats", from_date=T0, to_date=T0 + 60, interval=10,
                         worker_ids=["w1"],
                         items=[{"key": "cpu_usage", "aggregation": "max"},
                                {"key": "cpu_usage", "category": "min"},
                                {"key": "memory_used"}, {"key": "gpu_usage"}])
    [w1] = data["workers"]
    assert w1["worker"] == "w1"
    cpu, memory = w1["metrics"]
    dates = [T0 * 1000, (T0 + 10) * 1000]
    assert cpu == {"metric": "cpu_usage", "dates": dates, "stats": [
        {"aggregation": "max", "values": [40, 50]},
        {"aggregation": "min", "values": [10, 50]}]}
    assert memory == {"metric": "memory_used", "dates": dates,
                      "stats": [{"aggregation": "avg", "values": [2000, 2000]}]}


def test_get_stats_splits_by_variant(reported: Api) -> None:
    data = reported.data("workers.get_stats", from_date=T0, to_date=T0 + 60, interval=60,
                         items=[{"key": "cpu_usage"}], split_by_variant=True)
    by_worker = {w["worker"]: w["metrics"] for w in data["workers"]}
    assert by_worker["w1"] == [
        {"metric": "cpu_usage", "variant": "0", "dates": [T0 * 1000],
         "stats": [{"aggregation": "avg", "values": [(10 + 20 + 50) / 3]}]},
        {"metric": "cpu_usage", "variant": "1", "dates": [T0 * 1000],
         "stats": [{"aggregation": "avg", "values": [40]}]},
    ]
    assert by_worker["w2"][0]["stats"][0]["values"] == [90]


def test_get_stats_rejects_an_empty_range_and_ignores_unknown_workers(reported: Api) -> None:
    result = reported.call("workers.get_stats", from_date=T0, to_date=T0, interval=10,
                           items=[{"key": "cpu_usage"}], expect=400)
    assert result["meta"]["result_subcode"] == 16
    assert reported.data("workers.get_stats", from_date=T0, to_date=T0 + 60, interval=10,
                         items=[{"key": "cpu_usage"}], worker_ids=["nope"]) == {"workers": []}


def test_get_activity_report_counts_total_and_working_workers(reported: Api) -> None:
    data = reported.data("workers.get_activity_report", from_date=T0, to_date=T0 + 30,
                         interval=10)
    assert data == {
        "total": {"dates": [T0 * 1000, (T0 + 10) * 1000], "counts": [2, 1]},
        "active": {"dates": [T0 * 1000], "counts": [1]},
    }
    # the last bucket is incomplete when it starts after to_date - 0.9 * interval
    cut = reported.data("workers.get_activity_report", from_date=T0, to_date=T0 + 15,
                        interval=10)
    assert cut["total"]["dates"] == [T0 * 1000]


@pytest.mark.parametrize("action", ["workers.get_stats", "workers.get_activity_report"])
@pytest.mark.parametrize(("from_date", "to_date", "interval"), [
    (-2e16, 5e16, 60),      # beyond what the event store can store as a date
    (0, 1e10, 1),           # millions of one-second buckets
])
def test_charts_refuse_ranges_the_store_cannot_serve(reported: Api, action, from_date, to_date,
                                                     interval) -> None:
    body = {"from_date": from_date, "to_date": to_date, "interval": interval}
    if action == "workers.get_stats":
        body["items"] = [{"key": "cpu_usage", "aggregation": "avg"}]
    answer = reported.call(action, expect=400, **body)
    assert answer["meta"]["result_subcode"] == 16
