"""Pure pieces of events and workers: down-sampling, normalisation, stats documents, tags."""

from __future__ import annotations

import pytest

from apiserver.errors import APIError
from bll.events.indices import event_id
from bll.events.ingest import normalise
from bll.events.logs import check_line_format
from bll.events.scalars import Series, group_by_interval, sample_interval
from bll.workers.service import tags_match
from bll.workers.stats import stat_documents


def series(count: int, lo: float, hi: float, name: str = "m") -> Series:
    return Series(name, "v", count, lo, hi)


@pytest.mark.parametrize(("count", "lo", "hi", "samples", "interval"), [
    (100, 0, 99, 10, 10),
    (100, 0, 99, 100, 1),
    (100, 0, 99, 0, 1),
    (100, 0, 99, 1000, 1),
    (50, 0, 999, 10, 100),
    (2000, 0, 1999, 3, 666),
])
def test_sample_interval(count, lo, hi, samples, interval) -> None:
    assert sample_interval(series(count, lo, hi), samples) == interval


def test_series_with_close_intervals_share_the_first_one() -> None:
    a, b, c, d = (series(1, 0, 0, n) for n in "abcd")
    groups = group_by_interval({a: 10, b: 11, c: 12, d: 100})
    assert groups == [(10, [a, b]), (12, [c]), (100, [d])]


def test_groups_are_capped_in_size() -> None:
    many = {series(1, 0, 0, str(i)): 5 for i in range(7)}
    assert [len(m) for _, m in group_by_interval(many, max_size=3)] == [3, 3, 1]


def test_normalise_fills_defaults_and_renames_legacy_fields() -> None:
    event = {"type": "training stats vector", "task": "t", "iter": 3.0, "values": [1],
             "ts": 5, "method": "get"}
    assert normalise(event, "box", 99, "stamp") is None
    assert event == {"type": "training_stats_vector", "task": "t", "iter": 3, "value": [1],
                     "timestamp": 5, "worker": "box", "@timestamp": "stamp", "metric": "",
                     "variant": ""}


@pytest.mark.parametrize(("event", "reason"), [
    ({"task": "t"}, "Event must have a 'type' field"),
    ({"type": "bogus", "task": "t"}, "Invalid event type bogus"),
    ({"type": "log"}, "Event must have a 'task' field"),
    ({"type": "training_stats_scalar", "task": "t", "value": float("nan")},
     "Scalar value must be a finite number"),
])
def test_normalise_names_the_problem(event, reason) -> None:
    assert normalise(event, "w", 0, "s") == reason


def test_event_id_depends_on_task_iteration_metric_variant_and_key() -> None:
    one = {"task": "t", "iter": 1, "metric": "m", "variant": "v", "value": 1}
    assert event_id(one) == event_id({**one, "value": 2})
    assert event_id(one) != event_id({**one, "iter": 2})
    assert event_id(one) != event_id({**one, "key": "k"})


def test_line_format_placeholders_are_checked() -> None:
    check_line_format("{asctime} {timestamp} {level} {worker} {msg}")
    with pytest.raises(APIError) as unknown:
        check_line_format("{msg} {bogus}")
    assert unknown.value.subcode == 16
    with pytest.raises(APIError) as empty:
        check_line_format("")
    assert empty.value.subcode == 11


def test_stat_documents_one_per_value() -> None:
    docs = stat_documents("w", None, 7, {"cpu_usage": [1, 2], "memory_used": 5,
                                         "gpu_usage": [], "disk_read": 0})
    assert [(d["category"], d["metric"], d["variant"], d["value"]) for d in docs] == [
        ("cpu", "cpu_usage", "0", 1.0), ("cpu", "cpu_usage", "1", 2.0),
        ("memory", "memory_used", "total", 5.0)]
    assert all(d["timestamp"] == 7 and d["worker"] == "w" for d in docs)


@pytest.mark.parametrize(("tags", "wanted", "match"), [
    (["a"], ["a", "b"], True),
    (["c"], ["a", "b"], False),
    (["a", "x"], ["a", "-x"], False),
    (["c"], ["-x"], True),
    ([], ["-x"], True),
    ([], ["a"], False),
])
def test_tags_match(tags, wanted, match) -> None:
    assert tags_match(tags, wanted) is match


def test_batch_error_reasons_do_not_quote_the_event() -> None:
    from apiserver.call import LineError
    from endpoints.events import batch_error_reason

    quoted = LineError(3, "{'type': 'x', 'value': 'high'} is not valid under any of the "
                          "given schemas")
    assert batch_error_reason(quoted) == \
        "Invalid event: does not match the schema of any event type"
    plain = LineError(4, "level: 'INFO' is not one of ['info']", "level")
    assert batch_error_reason(plain) == "Invalid event: level: 'INFO' is not one of ['info']"
