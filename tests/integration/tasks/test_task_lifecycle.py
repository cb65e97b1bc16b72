"""The task status state machine through the lifecycle actions, and what each change sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bll.tasks.status import TRANSITIONS

pytestmark = pytest.mark.integration

STATUSES = ["created", "queued", "in_progress", "stopped", "published", "publishing", "closed",
            "failed", "completed"]
# new status -> (action, extra request fields)
ACTION_FOR = {
    "in_progress": ("tasks.started", {}),
    "stopped": ("tasks.stopped", {}),
    "failed": ("tasks.failed", {}),
    "completed": ("tasks.completed", {}),
    "closed": ("tasks.close", {}),
    "published": ("tasks.publish", {}),
    "queued": ("tasks.enqueue", {}),
    "created": ("tasks.reset", {}),
}


def allowed(current: str, new: str) -> bool:
    return current == new or new in TRANSITIONS[current]


def put_status(tasks_collection, task: str, status: str) -> None:
    tasks_collection.update_one({"_id": task}, {"$set": {"status": status}})


@pytest.mark.parametrize("new", sorted(ACTION_FOR))
def test_state_machine_table_allowed_refused_and_forced(api, tasks_collection, new):
    action, extra = ACTION_FOR[new]
    queue = api.queue("the queue", system_tags=["default"])
    for current in STATUSES:
        if new == "queued" and current == "queued":
            continue  # re-enqueue into the same queue is 400/706, tested separately
        task = api.task(f"from {current}")
        put_status(tasks_collection, task, current)
        result = api.raw(action, body={"task": task, **extra})
        if current == "publishing" and new == "published":
            assert (result.status_code, result.json["meta"]["result_subcode"]) == (400, 129)
        elif allowed(current, new):
            assert result.status_code == 200, (current, new, result.text)
            assert api.status(task) == new, (current, new)
        else:
            assert (result.status_code, result.json["meta"]["result_subcode"]) == (400, 110), \
                (current, new, result.text)
            assert "current_status=" + current in result.json["meta"]["result_msg"]
            assert api.status(task) == current
            if new == "queued":
                continue  # tasks.enqueue 1.5 declares no `force`: it is dropped
            forced = api.raw(action, body={"task": task, "force": True, **extra})
            assert forced.status_code == 200, (current, new, forced.text)
            assert api.status(task) == new
    assert queue


def test_unknown_status_is_refused_unless_forced(api, tasks_collection):
    task = api.task()
    put_status(tasks_collection, task, "unknown")
    assert api.error("tasks.started", task=task) == (400, 114)
    api("tasks.started", task=task, force=True)
    assert api.status(task) == "in_progress"


def test_a_status_change_on_a_stale_read_fails_with_121(api, tasks_collection):
    from bll.tasks.status import change_status

    task = api.task()
    stale = tasks_collection.find_one({"_id": task})
    api("tasks.started", task=task)
    from apiserver.errors import APIError

    with pytest.raises(APIError) as caught:
        change_status(tasks_collection, stale, "queued", now=datetime(2024, 1, 1), user="u",
                      force=True)
    assert (caught.value.code, caught.value.subcode) == (400, 121)
    assert api.status(task) == "in_progress"


def test_status_change_sets_the_status_fields(api):
    task = api.task()
    result = api("tasks.started", task=task, status_reason="why", status_message="msg")
    assert result["started"] == 1 and result["updated"] == 1
    fields = result["fields"]
    assert set(fields) == {"status", "status_reason", "status_message", "status_changed",
                           "last_update", "last_change", "last_changed_by", "started"}
    assert fields["status"] == "in_progress" and fields["status_reason"] == "why"
    assert fields["status_message"] == "msg" and fields["last_changed_by"] == api.user
    assert fields["started"] == fields["status_changed"] == fields["last_update"]
    got = api.get_task(task)
    assert got["started"] == fields["started"] and got["status_reason"] == "why"


def test_started_again_keeps_the_first_start_time(api):
    task = api.task()
    first = api("tasks.started", task=task)["fields"]["started"]
    again = api("tasks.started", task=task, status_message="pulled by agent", force=True)
    assert "started" not in again["fields"]
    assert api.get_task(task)["started"] == first


def test_stopped_failed_completed_record_completed_close_does_not(api, tasks_collection):
    for action, status in (("tasks.stopped", "stopped"), ("tasks.failed", "failed"),
                           ("tasks.completed", "completed")):
        task = api.task()
        api("tasks.started", task=task)
        fields = api(action, task=task)["fields"]
        assert fields["status"] == status and fields["completed"] == fields["status_changed"]
        assert api.get_task(task)["completed"] == fields["completed"]
    task = api.task()
    put_status(tasks_collection, task, "stopped")
    fields = api("tasks.close", task=task)["fields"]
    assert fields["status"] == "closed" and "completed" not in fields


def test_started_after_completion_clears_completed(api):
    task = api.task()
    api("tasks.started", task=task)
    api("tasks.completed", task=task)
    api("tasks.started", task=task)
    assert "completed" not in api.get_task(task)


def test_publish_records_published(api, tasks_collection):
    task = api.task()
    put_status(tasks_collection, task, "stopped")
    fields = api("tasks.publish", task=task, publish_model=True)["fields"]
    assert fields["status"] == "published" and fields["published"] == fields["status_changed"]
    assert api.get_task(task)["published"] == fields["published"]
    assert api.error("tasks.started", task=task) == (400, 110)


def test_stop_of_an_idle_task_stops_it_with_the_users_name(api):
    task = api.task(system_tags=["development"])
    api("tasks.started", task=task)
    result = api("tasks.stop", task=task)
    assert result["fields"]["status"] == "stopped"
    assert result["fields"]["status_message"] == "Stopped by ann"


def test_stop_of_a_task_run_by_a_live_worker_asks_it_to_stop(api, tasks_collection):
    task = api.task()
    api("tasks.started", task=task)
    tasks_collection.update_one({"_id": task}, {"$set": {"last_worker": "w1"}})
    result = api("tasks.stop", task=task)
    assert result["updated"] == 1 and result["fields"]["status_message"] == "stopping"
    got = api.get_task(task)
    assert got["status"] == "in_progress" and got["status_message"] == "stopping"
    stale = datetime.now(UTC).replace(tzinfo=None) - timedelta(seconds=700)
    tasks_collection.update_one({"_id": task}, {"$set": {"last_update": stale}})
    assert api("tasks.stop", task=task)["fields"]["status"] == "stopped"


def test_stop_of_a_queued_task_takes_it_out_of_the_queue(api):
    queue = api.queue()
    task = api.task()
    api("tasks.enqueue", task=task, queue=queue)
    assert api("tasks.stop", task=task)["fields"]["status"] == "stopped"
    assert api.get_queue(queue)["entries"] == []
    assert "queue" not in api.get_task(task).get("execution", {})
