"""Workers: registration in Redis with expiry, status reports, listing, machine statistics."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.integration.events.api import Api

pytestmark = pytest.mark.integration


def queue(api: Api, name: str, tasks: list[str] = ()) -> str:
    queue_id = uuid.uuid4().hex
    api.server.runtime.stores.mongo("backend")["queue"].insert_one({
        "_id": queue_id, "company": api.company, "name": name,
        "entries": [{"task": t, "added": None} for t in tasks]})
    return queue_id


def workers(api: Api, version: str = "2.4", **request) -> list[dict]:
    return api.data("workers.get_all", version, **request)["workers"]


def test_register_lists_the_worker_with_its_queues_expanded(api: Api) -> None:
    task = api.task(name="next one")
    q1, q2 = queue(api, "default", [task]), queue(api, "empty")
    assert api.data("workers.register", worker="w1", queues=[q1, q2], tags=["gpu"]) == {}
    [worker] = workers(api)
    assert worker["id"] == "w1" and worker["tags"] == ["gpu"]
    assert worker["user"]["name"] == "ann" and worker["company"]["id"] == api.company
    assert worker["queues"] == [
        {"id": q1, "name": "default", "num_tasks": 1,
         "next_task": {"id": task, "name": "next one"}},
        {"id": q2, "name": "empty", "num_tasks": 0},
    ]
    assert worker["register_time"] == worker["last_activity_time"]


def test_register_rejects_unknown_queues_and_negative_timeouts(api: Api) -> None:
    assert api.call("workers.register", worker="w", queues=["nope"], expect=400)["meta"][
        "result_subcode"] == 701
    assert api.call("workers.register", worker="w", timeout=-1, expect=400)["meta"][
        "result_subcode"] == 1002


def test_worker_expires_after_its_timeout_unless_it_reports(api: Api) -> None:
    api.data("workers.register", worker="short", timeout=1)
    api.data("workers.register", worker="long", timeout=60)
    assert {w["id"] for w in workers(api)} == {"short", "long"}
    time.sleep(1.3)
    assert {w["id"] for w in workers(api)} == {"long"}


def test_status_report_renews_the_registration(api: Api) -> None:
    api.data("workers.register", worker="w", timeout=2)
    time.sleep(1.2)
    api.data("workers.status_report", worker="w", timestamp=int(time.time() * 1000))
    time.sleep(1.2)
    assert [w["id"] for w in workers(api)] == ["w"]


def test_unregister_removes_the_worker_and_ignores_unknown_ones(api: Api) -> None:
    api.data("workers.register", worker="w")
    assert api.data("workers.unregister", worker="w") == {}
    assert api.data("workers.unregister", worker="w") == {}
    assert workers(api) == []


def test_status_report_auto_registers_and_sets_task_queue_and_tags(api: Api) -> None:
    task = api.task(name="running", last_iteration=7, active_duration=12)
    q = queue(api, "q")
    api.data("workers.status_report", worker="agent", timestamp=int(time.time() * 1000),
             task=task, queue=q, queues=[q], tags=["a"], machine_stats=None)
    [worker] = workers(api)
    assert worker["task"] == {"id": task, "name": "running", "running_time": 12000,
                              "last_iteration": 7}
    assert worker["queue"]["name"] == "q" and [x["id"] for x in worker["queues"]] == [q]
    assert worker["tags"] == ["a"] and "last_report_time" in worker
    task_doc = api.task_doc(task)
    assert task_doc["last_worker"] == "agent" and task_doc["last_worker_report"]
    api.data("workers.status_report", worker="agent", timestamp=int(time.time() * 1000))
    [worker] = workers(api)
    assert "task" not in worker and "queue" not in worker and worker["queues"][0]["id"] == q
    bad = api.call("workers.status_report", worker="agent", timestamp=1, task="nope",
                   expect=400)
    assert bad["meta"]["result_subcode"] == 101


def test_get_all_filters_by_tags_from_999(api: Api) -> None:
    api.data("workers.register", worker="a", tags=["gpu", "big"])
    api.data("workers.register", worker="b", tags=["gpu"])
    api.data("workers.register", worker="c", tags=["cpu"])
    ids = lambda tags: sorted(w["id"] for w in workers(api, "999.0", tags=tags))  # noqa: E731
    assert ids(["gpu"]) == ["a", "b"]
    assert ids(["gpu", "-big"]) == ["b"]
    assert ids(["-gpu"]) == ["c"]
    assert ids(["cpu", "big"]) == ["a", "c"]
    assert len(workers(api, "2.4", tags=["gpu"])) == 3  # no tags filter before 999.0


def test_get_all_last_seen_filters_inactive_workers(api: Api) -> None:
    api.data("workers.register", worker="a")
    time.sleep(1.1)
    assert workers(api, last_seen=1) == []
    assert len(workers(api, last_seen=0)) == 1


def test_workers_of_other_companies_are_invisible(api: Api, server) -> None:
    other = Api(server, company="globex", name="bob")
    api.data("workers.register", worker="a")
    assert workers(other) == []
