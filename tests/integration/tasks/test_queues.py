"""queues.*: every action and version."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.integration


def entries(api, queue):
    return [e["task"] for e in api.get_queue(queue)["entries"]]


def filled(api, count=4):
    queue = api.queue()
    tasks = [api.task(f"task {i}") for i in range(count)]
    for task in tasks:
        api("queues.add_task", queue=queue, task=task)
    return queue, tasks


def test_create_and_get_by_id(api):
    queue = api.queue("  my queue ", tags=["b", "a"], system_tags=["s"])
    got = api.get_queue(queue)
    assert got["name"] == "my queue" and got["tags"] == ["a", "b"] and got["entries"] == []
    assert got["system_tags"] == ["s"] and got["company"] == api.company
    assert api.error("queues.create", name="my queue") == (400, 801)
    assert api.error("queues.create", name="ab") == (400, 800)
    assert api.error("queues.get_by_id", queue="missing") == (400, 701)


def test_queue_names_are_unique_per_company_only(api, other):
    api.queue("shared")
    assert other.queue("shared")
    assert other.error("queues.get_by_id", queue=api.queue("mine")) == (400, 701)


def test_create_and_update_with_metadata_at_2_13(api):
    metadata = {"a.b": {"key": "a.b", "type": "str", "value": "1"},
                "_x$": {"key": "_x$", "type": "int", "value": "2"}}
    queue = api("queues.create", "2.13", name="meta queue", metadata=metadata)["id"]
    assert api.get_queue(queue)["metadata"] == metadata
    # 2.4 does not declare metadata: dropped
    plain = api("queues.create", "2.4", name="plain queue", metadata=metadata)["id"]
    assert api.get_queue(plain)["metadata"] == {}
    result = api("queues.update", "2.13", queue=queue, name="renamed", metadata={})
    assert result == {"updated": 1, "fields": {"name": "renamed", "metadata": {}}}
    assert api("queues.update", queue=queue) == {"updated": 0, "fields": {}}
    assert api.error("queues.update", queue="missing", name="xyz") == (400, 701)


def test_add_or_update_and_delete_metadata(api):
    queue = api.queue()
    item = {"key": "k.1", "type": "t", "value": "v"}
    assert api("queues.add_or_update_metadata", queue=queue, metadata=[item]) == {"updated": 1}
    api("queues.add_or_update_metadata", queue=queue,
        metadata=[{"key": "k2", "type": "t", "value": "w"}])
    assert set(api.get_queue(queue)["metadata"]) == {"k.1", "k2"}
    api("queues.add_or_update_metadata", queue=queue, metadata=[item], replace_metadata=True)
    assert api.get_queue(queue)["metadata"] == {"k.1": item}
    assert api("queues.delete_metadata", queue=queue, keys=["k.1"]) == {"updated": 1}
    assert api.get_queue(queue)["metadata"] == {}
    assert api.meta("queues.delete_metadata", "2.12", queue=queue, keys=[])["result_code"] == 404


def test_get_default(api):
    assert api.error("queues.get_default") == (400, 707)
    queue = api.queue("the default", system_tags=["default"])
    assert api("queues.get_default") == {"id": queue, "name": "the default"}
    api.queue("second default", system_tags=["default"])
    assert api.error("queues.get_default") == (400, 708)


def test_delete_needs_force_when_not_empty_and_returns_queued_tasks(api):
    assert api("queues.delete", queue=api.queue("empty one")) == {"deleted": 1}
    queue = api.queue()
    task = api.task()
    api("tasks.enqueue", task=task, queue=queue)
    assert api.error("queues.delete", queue=queue) == (400, 702)
    assert api("queues.delete", queue=queue, force=True) == {"deleted": 1}
    got = api.get_task(task)
    assert got["status"] == "created" and got["status_reason"] == f"Queue {queue} was deleted"
    assert "queue" not in got.get("execution", {})
    assert api.error("queues.delete", queue=queue) == (400, 701)


def test_add_task_appends_and_refuses_duplicates(api):
    queue, tasks = filled(api, 2)
    assert entries(api, queue) == tasks
    assert api.error("queues.add_task", queue=queue, task=tasks[0]) == (400, 706)
    assert api.error("queues.add_task", queue="missing", task=tasks[0]) == (400, 701)
    assert api.error("queues.add_task", queue=queue, task="missing") == (400, 101)
    assert api.get_task(tasks[0])["execution"] == {"queue": queue}
    assert api.status(tasks[0]) == "created"  # add_task does not change the status


def test_get_next_task_pops_in_fifo_order(api):
    queue, tasks = filled(api, 3)
    got = [api("queues.get_next_task", queue=queue)["entry"] for _ in tasks]
    assert [e["task"] for e in got] == tasks
    assert all(e["added"].endswith("+00:00") for e in got)
    assert api("queues.get_next_task", queue=queue) == {}
    assert api("queues.get_next_task", "2.14", queue=queue) == {}
    assert api.error("queues.get_next_task", queue="missing") == (400, 701)


def test_remove_task(api):
    queue, tasks = filled(api, 3)
    assert api("queues.remove_task", queue=queue, task=tasks[1]) == {"removed": 1}
    assert entries(api, queue) == [tasks[0], tasks[2]]
    assert api.error("queues.remove_task", queue=queue, task=tasks[1]) == (400, 703)


def test_move_actions_return_the_new_index(api):
    queue, (a, b, c, d) = filled(api, 4)
    assert api("queues.move_task_forward", queue=queue, task=c) == {"position": 1}
    assert entries(api, queue) == [a, c, b, d]
    assert api("queues.move_task_backward", queue=queue, task=a, count=2) == {"position": 2}
    assert entries(api, queue) == [c, b, a, d]
    assert api("queues.move_task_to_front", queue=queue, task=d) == {"position": 0}
    assert entries(api, queue) == [d, c, b, a]
    assert api("queues.move_task_to_back", queue=queue, task=c) == {"position": 3}
    assert entries(api, queue) == [d, b, a, c]
    assert api("queues.move_task_forward", queue=queue, task=a, count=100) == {"position": 0}
    assert api("queues.move_task_backward", queue=queue, task=a, count=100) == {"position": 3}
    assert api("queues.move_task_to_back", queue=queue, task=a) == {"position": 3}
    assert entries(api, queue) == [d, b, c, a]
    assert api.error("queues.move_task_to_front", queue=queue, task="missing") == (400, 703)


def test_every_action_is_served_from_its_first_version(api):
    for action in ("get_by_id", "get_all", "get_all_ex", "get_default", "create", "update",
                   "delete", "add_task", "get_next_task", "remove_task", "move_task_forward",
                   "move_task_backward", "move_task_to_front", "move_task_to_back",
                   "get_queue_metrics"):
        assert api.meta(f"queues.{action}", "2.4")["endpoint"]["actual_version"] == "2.4"
        assert api.meta(f"queues.{action}", "2.3")["result_code"] == 404
    for action in ("create", "update", "add_or_update_metadata", "delete_metadata"):
        assert api.meta(f"queues.{action}", "2.13")["endpoint"]["actual_version"] == "2.13"
    for action in ("get_all", "get_all_ex"):
        assert api.meta(f"queues.{action}", "2.15")["endpoint"]["actual_version"] == "2.15"


def test_get_queue_metrics_per_queue_and_total(server, api):
    one, two = api.queue("queue one"), api.queue("queue two")
    start = time.time()
    for i in range(3):
        api("queues.add_task", queue=one, task=api.task(f"one {i}"))
    api("queues.add_task", queue=two, task=api.task("two"))
    time.sleep(0.3)  # the snapshot after the pop then has the longest mean waiting time
    api("queues.get_next_task", queue=one)
    server.runtime.stores.elastic.indices.refresh(
        index=f"{server.runtime.stores.index_prefix}queue_metrics_*")
    now = time.time()
    per_queue = api("queues.get_queue_metrics", from_date=start - 10, to_date=now + 10,
                    interval=3600, queue_ids=[one, two])["queues"]
    by_queue = {q["queue"]: q for q in per_queue}
    assert set(by_queue) == {one, two}
    # per bucket, the snapshot with the longest mean waiting time represents the queue
    assert by_queue[one]["queue_lengths"] == [2] and by_queue[two]["queue_lengths"] == [1]
    assert by_queue[one]["avg_waiting_times"][0] >= 0.3
    assert len(by_queue[one]["dates"]) == 1 and by_queue[one]["dates"][0] % 1000 == 0
    total = api("queues.get_queue_metrics", from_date=start - 10, to_date=now + 10,
                interval=3600)["queues"]
    assert [q["queue"] for q in total] == ["total"] and total[0]["queue_lengths"] == [3]
    assert api.error("queues.get_queue_metrics", from_date=10, to_date=5, interval=1) == \
        (400, 16)
    assert api("queues.get_queue_metrics", from_date=1, to_date=5, interval=1) == {"queues": []}
