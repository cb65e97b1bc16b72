"""tasks.enqueue / dequeue / reset / delete and the queue entries they keep consistent."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def entries(api, queue):
    return [e["task"] for e in api.get_queue(queue)["entries"]]


def test_enqueue_queues_the_task_at_the_tail_of_the_named_queue(api):
    queue = api.queue()
    first, second = api.task("first"), api.task("second", system_tags=["development", "x"])
    api("tasks.enqueue", task=first, queue=queue)
    result = api("tasks.enqueue", task=second, queue=queue, status_reason="go")
    assert result["queued"] == 1 and result["updated"] == 1
    assert result["fields"]["status"] == "queued"
    assert result["fields"]["execution.queue"] == queue
    assert result["fields"]["enqueue_status"] == "created"
    assert entries(api, queue) == [first, second]
    got = api.get_task(second)
    assert got["status"] == "queued" and got["execution"]["queue"] == queue
    assert got["system_tags"] == ["x"]  # development is dropped when queued


def test_enqueue_without_a_queue_uses_the_default_queue(api):
    task = api.task()
    assert api.error("tasks.enqueue", task=task) == (400, 707)
    default = api.queue("main", system_tags=["default"])
    api("tasks.enqueue", task=task)
    assert entries(api, default) == [task]
    api.queue("another", system_tags=["default"])
    assert api.error("tasks.enqueue", task=api.task()) == (400, 708)


def test_enqueue_refusals_leave_everything_unchanged(api):
    queue = api.queue()
    task = api.task()
    assert api.error("tasks.enqueue", task=task, queue="missing") == (400, 701)
    assert api.error("tasks.enqueue", task="missing", queue=queue) == (400, 101)
    api("tasks.enqueue", task=task, queue=queue)
    assert api.error("tasks.enqueue", task=task, queue=queue) == (400, 706)
    assert api.status(task) == "queued" and entries(api, queue) == [task]


def test_enqueue_into_another_queue_moves_the_entry_and_keeps_the_first_enqueue_status(
        api, tasks_collection):
    one, two = api.queue("queue one"), api.queue("queue two")
    task = api.task()
    tasks_collection.update_one({"_id": task}, {"$set": {"status": "failed"}})
    api("tasks.enqueue", task=task, queue=one)
    result = api("tasks.enqueue", task=task, queue=two)
    assert result["fields"]["enqueue_status"] == "failed"
    assert entries(api, one) == [] and entries(api, two) == [task]
    api("tasks.dequeue", task=task)
    assert api.status(task) == "failed"


def test_dequeue_removes_the_entry_and_returns_the_task_to_created(api):
    queue = api.queue()
    task = api.task()
    assert api.error("tasks.dequeue", task=task) == (400, 110)
    api("tasks.enqueue", task=task, queue=queue)
    result = api("tasks.dequeue", task=task)
    assert result["dequeued"] == 1 and result["updated"] == 1
    assert result["fields"]["status"] == "created"
    assert entries(api, queue) == []
    got = api.get_task(task)
    assert got["status"] == "created" and "queue" not in got.get("execution", {})
    assert api.error("tasks.dequeue", task="missing") == (400, 101)


def test_reset_clears_run_results_removes_entries_and_deletes_events(server, api,
                                                                     tasks_collection):
    calls = []
    tasks_service = next(b.handler.__self__.service for b in server.runtime.bindings()
                         if b.name == "tasks.reset")
    tasks_service._delete_events = lambda company, ids: calls.append((company, ids)) or 7
    queue = api.queue()
    task = api.task(execution={"artifacts": [
        {"key": "in", "type": "t", "mode": "input"}, {"key": "out", "type": "t"}]})
    api("tasks.enqueue", task=task, queue=queue)
    tasks_collection.update_one({"_id": task}, {"$set": {
        "last_iteration": 9, "last_worker": "w", "output.result": "success",
        "last_metrics": {"m": {"v": {"metric": "loss", "variant": "x", "value": 1.0}}}}})
    result = api("tasks.reset", task=task)
    assert result["dequeued"] == {"removed": 1} and result["events"] == {"deleted": 7}
    assert result["fields"]["status"] == "created"
    assert result["fields"]["status_reason"] == "reset"
    assert calls == [(api.company, [task])]
    got = api.get_task(task)
    assert got["last_iteration"] == 0 and got["last_metrics"] == {}
    assert "last_worker" not in got and got.get("output", {}) == {}
    assert got["execution"] == {"artifacts": [{"key": "in", "type": "t", "mode": "input"}]}
    assert entries(api, queue) == []
    assert api("tasks.reset", task=task)["dequeued"] == {}


def test_reset_of_a_published_task_needs_force(api, tasks_collection):
    task = api.task()
    tasks_collection.update_one({"_id": task}, {"$set": {"status": "published"}})
    assert api.error("tasks.reset", task=task) == (400, 110)
    assert api("tasks.reset", task=task, force=True)["fields"]["status"] == "created"


def test_delete_rules_children_queues_and_events(server, api, tasks_collection):
    queue = api.queue()
    parent = api.task("parent")
    child, published_child = api.task("child", parent=parent), api.task("pub", parent=parent)
    api("tasks.enqueue", task=parent, queue=queue)
    assert api.error("tasks.delete", task=parent) == (400, 123)
    tasks_collection.update_one({"_id": published_child}, {"$set": {"status": "published"}})
    tasks_collection.update_one({"_id": parent}, {"$set": {"system_tags": ["archived"]}})
    assert api.error("tasks.delete", task=parent) == (400, 123)  # published child
    result = api("tasks.delete", task=parent, force=True, move_to_trash=True)
    assert result == {"deleted": True, "updated_children": 2, "updated_models": 0,
                      "events": {"deleted": 0}}
    assert api.error("tasks.get_by_id", task=parent) == (400, 101)
    assert api.get_task(child)["parent"] == f"__DELETED__{parent}"
    assert entries(api, queue) == []
    trash = server.runtime.stores.mongo("backend")["task__trash"]
    assert trash.count_documents({"_id": parent}) == 1
    plain = api.task("plain")
    assert api("tasks.delete", task=plain)["deleted"] is True
