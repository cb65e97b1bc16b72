"""Task logs: scrolled pages (1.5, 1.7), navigation state (2.7), events and download."""

from __future__ import annotations

import json

import pytest

from tests.integration.events.api import Api

pytestmark = pytest.mark.integration

BASE = 1_700_000_000_000


def logs(task: str, stamps: list[int]) -> list[dict[str, object]]:
    """Log events with the given timestamp offsets (ms), message = position."""
    return [{"type": "log", "task": task, "timestamp": BASE + s, "msg": f"m{i}",
             "level": "info", "worker": "w"} for i, s in enumerate(stamps)]


def msgs(data: dict) -> list[str]:
    return [e["msg"] for e in data["events"]]


def test_get_task_log_1_5_scrolls_in_the_requested_order(api: Api) -> None:
    task = api.task()
    api.batch(logs(task, list(range(5))))
    first = api.data("events.get_task_log", "1.5", task=task, batch_size=2, order="asc")
    assert msgs(first) == ["m0", "m1"] and first["total"] == 5 and first["returned"] == 2
    second = api.data("events.get_task_log", "1.5", task=task, scroll_id=first["scroll_id"])
    assert msgs(second) == ["m2", "m3"]
    default = api.data("events.get_task_log", "1.5", task=task)
    assert msgs(default) == ["m4", "m3", "m2", "m1", "m0"]


def test_get_task_log_1_7_reads_from_the_tail_in_the_requested_order(api: Api) -> None:
    task = api.task()
    api.batch(logs(task, list(range(5))))
    tail = api.data("events.get_task_log", "1.7", task=task, batch_size=2, order="asc",
                    **{"from": "tail"})
    assert msgs(tail) == ["m3", "m4"]
    head = api.data("events.get_task_log", "1.7", task=task, batch_size=2, order="desc",
                    **{"from": "head"})
    assert msgs(head) == ["m1", "m0"]


def test_get_task_log_2_7_navigates_back_and_forth_across_equal_timestamps(api: Api) -> None:
    task = api.task()
    # m0..m7 at 0,1,2,2,2,3,4,5 ms
    api.batch(logs(task, [0, 1, 2, 2, 2, 3, 4, 5]))
    page1 = api.data("events.get_task_log", "2.7", task=task, batch_size=3)
    assert msgs(page1) == ["m7", "m6", "m5"] and page1["total"] == 8
    page2 = api.data("events.get_task_log", "2.7", task=task, batch_size=2,
                     scroll_id=page1["scroll_id"])
    # the page ends at timestamp 2: the other two events at 2 come along
    assert sorted(msgs(page2)) == ["m2", "m3", "m4"] and page2["returned"] == 3
    page3 = api.data("events.get_task_log", "2.7", task=task, batch_size=5,
                     scroll_id=page1["scroll_id"])
    assert msgs(page3) == ["m1", "m0"]
    assert api.data("events.get_task_log", "2.7", task=task, batch_size=5,
                    scroll_id=page1["scroll_id"])["events"] == []
    later = api.data("events.get_task_log", "2.7", task=task, batch_size=1,
                     navigate_earlier=False, scroll_id=page1["scroll_id"])
    assert sorted(msgs(later)) == ["m2", "m3", "m4"]
    later = api.data("events.get_task_log", "2.7", task=task, batch_size=1,
                     navigate_earlier=False, scroll_id=page1["scroll_id"])
    assert msgs(later) == ["m5"]
    refreshed = api.data("events.get_task_log", "2.7", task=task, batch_size=1, refresh=True,
                         scroll_id=page1["scroll_id"])
    assert msgs(refreshed) == ["m7"]


def test_get_task_log_2_7_state_of_another_task_is_refused(api: Api) -> None:
    task, other = api.task(), api.task()
    api.batch(logs(task, [0]))
    page = api.data("events.get_task_log", "2.7", task=task)
    result = api.call("events.get_task_log", "2.7", task=other, scroll_id=page["scroll_id"],
                      expect=400)
    assert result["meta"]["result_subcode"] == 1104


def test_get_task_log_of_a_task_without_logs_is_empty(api: Api) -> None:
    task = api.task()
    data = api.data("events.get_task_log", "2.7", task=task)
    assert data["events"] == [] and data["total"] == 0


def test_get_task_events_filters_by_type_and_scrolls(api: Api) -> None:
    task = api.task()
    api.batch([*logs(task, [0, 1]), {"type": "training_stats_scalar", "task": task, "iter": 0,
                                     "metric": "m", "variant": "v", "value": 1,
                                     "timestamp": BASE + 2}])
    every = api.data("events.get_task_events", "2.1", task=task, batch_size=2, order="desc")
    assert every["total"] == 3 and every["events"][0]["type"] == "training_stats_scalar"
    rest = api.data("events.get_task_events", task=task, scroll_id=every["scroll_id"])
    assert [e["msg"] for e in rest["events"]] == ["m0"]
    only = api.data("events.get_task_events", task=task, event_type="log")
    assert only["total"] == 2


def test_download_task_log_as_json_lines(api: Api, server) -> None:
    task = api.task()
    api.batch(logs(task, [2, 0, 1]))
    result = server.client.simulate_post("/events.download_task_log", json={"task": task},
                                         headers=api.headers)
    assert result.status_code == 200
    assert result.headers["content-disposition"] == f'attachment; filename="task_{task}.log"'
    lines = [json.loads(line) for line in result.text.splitlines()]
    assert [line["msg"] for line in lines] == ["m1", "m2", "m0"]
    assert "type" not in lines[0] and "task" not in lines[0] and lines[0]["asctime"]


def test_download_task_log_as_text_lines(api: Api, server) -> None:
    task = api.task()
    api.batch(logs(task, [0, 1]))
    result = server.client.simulate_post(
        "/events.download_task_log", headers=api.headers,
        json={"task": task, "line_type": "text", "line_format": "{level}|{worker}|{msg}"})
    assert result.text == "info|w|m0\ninfo|w|m1\n"


def test_download_task_log_rejects_unknown_placeholders(api: Api) -> None:
    task = api.task()
    result = api.call("events.download_task_log", task=task, line_type="text",
                      line_format="{nope} {msg}", expect=400)
    assert result["meta"]["result_subcode"] == 16


def test_an_unknown_scroll_id_is_refused(api: Api) -> None:
    task = api.task()
    api.batch(logs(task, [0]))
    result = api.call("events.get_task_log", "1.5", task=task, scroll_id="bogus", expect=400)
    assert result["meta"]["result_subcode"] == 1104


def test_a_cleared_scroll_is_refused(api: Api, server) -> None:
    task = api.task()
    api.batch(logs(task, [0, 1]))
    page = api.data("events.get_task_log", "1.5", task=task, batch_size=1)
    server.runtime.stores.elastic.clear_scroll(scroll_id=page["scroll_id"])
    result = api.call("events.get_task_log", "1.5", task=task, scroll_id=page["scroll_id"],
                      expect=400)
    assert result["meta"]["result_subcode"] == 1104


def test_upper_case_log_levels_from_the_agent_are_stored_in_lower_case(api: Api) -> None:
    task = api.task()
    lines = [{"type": "log", "task": task, "level": level, "msg": level.lower(),
              "timestamp": 1_000 + i} for i, level in enumerate(("INFO", "DEBUG", "warning"))]
    assert api.batch(lines)["data"]["added"] == 3
    events = api.data("events.get_task_log", "1.5", task=task)["events"]
    assert sorted(e["level"] for e in events) == ["debug", "info", "warning"]
