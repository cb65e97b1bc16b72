"""tasks.*: creation, reading, edits, batch updates, versions and tenant isolation."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.integration

HEX32 = re.compile(r"^[0-9a-f]{32}$")


def test_create_returns_a_32_hex_id_and_stores_a_created_task(api):
    project = api("projects.create", name="proj")["id"]
    task = api.task("  first task  ", comment="hello", tags=["b", "a"], project=project,
                    output_dest="s3://bucket",
                    script={"repository": "git@x", "entry_point": "a.py"},
                    execution={"parameters": {"lr": "0.1"}})
    assert HEX32.match(task)
    got = api.get_task(task)
    assert got["id"] == task and got["name"] == "first task" and got["status"] == "created"
    assert got["type"] == "training" and got["comment"] == "hello"
    assert got["tags"] == ["a", "b"] and got["project"] == project
    assert got["output"] == {"destination": "s3://bucket"}
    assert got["script"] == {"repository": "git@x", "entry_point": "a.py", "binary": "python"}
    assert got["execution"] == {"parameters": {"lr": "0.1"}}
    assert got["last_iteration"] == 0 and got["last_metrics"] == {}
    assert got["user"] == api.user and got["company"] == api.company
    assert got["created"] == got["last_update"] == got["status_changed"]
    assert got["created"].endswith("+00:00")
    assert "enqueue_status" not in got


def test_create_refuses_short_names_unknown_projects_and_parents(api):
    assert api.error("tasks.create", name="ab", type="training") == (400, 800)
    assert api.error("tasks.create", name="abc", type="training", project="nope") == (400, 401)
    assert api.error("tasks.create", name="abc", type="training", parent="nope") == (400, 101)
    assert api.error("tasks.create", name="abc", type="inference") == (400, 12)
    assert api.error("tasks.create", name="abc") == (400, 11)
    child = api.task(parent="__DELETED__abc")
    assert api.get_task(child)["parent"] == "__DELETED__abc"


def test_validate_checks_like_create_and_stores_nothing(api, tasks_collection):
    assert api("tasks.validate", name="good name", type="testing") == {}
    assert api.error("tasks.validate", name="x", type="testing") == (400, 800)
    assert tasks_collection.count_documents({}) == 0


def test_get_by_id_of_a_missing_or_foreign_task_is_invalid_task_id(api, other):
    task = api.task()
    assert api.error("tasks.get_by_id", task="missing") == (400, 101)
    assert other.error("tasks.get_by_id", task=task) == (400, 101)
    assert other("tasks.get_all")["tasks"] == []


def test_public_tasks_are_readable_but_not_writable(api, tasks_collection):
    task = api.task("public one")
    tasks_collection.update_one({"_id": task}, {"$set": {"company": ""}})
    assert api.get_task(task)["company"] == ""
    assert [t["id"] for t in api("tasks.get_all")["tasks"]] == [task]
    assert api.error("tasks.update", task=task, comment="x") == (403, 21)
    assert api.error("tasks.started", task=task) == (403, 21)


def test_update_applies_user_fields_only(api):
    project = api("projects.create", name="proj")["id"]
    task = api.task()
    result = api("tasks.update", task=task, name="renamed", comment="c", tags=["x"],
                 system_tags=["s"], project=project, output__error="boom",
                 created="2021-01-02T03:04:05", status="published")
    assert result["updated"] == 1
    assert result["fields"] == {
        "name": "renamed", "comment": "c", "tags": ["x"], "system_tags": ["s"],
        "project": project, "output.error": "boom", "created": "2021-01-02T03:04:05+00:00"}
    got = api.get_task(task)
    assert got["status"] == "created" and got["output"] == {"error": "boom"}
    assert got["created"] == "2021-01-02T03:04:05+00:00"
    assert api("tasks.update", task=task) == {"updated": 0, "fields": {}}
    assert api.error("tasks.update", task=task, project="nope") == (400, 401)
    assert api.error("tasks.update", task="nope", comment="c") == (400, 101)


def test_edit_merges_objects_and_needs_created_status_unless_forced(api):
    task = api.task(script={"repository": "r", "entry_point": "a.py"})
    result = api("tasks.edit", task=task, name="edited", type="testing",
                 script={"entry_point": "b.py", "diff": "+x"}, output_dest="file:///tmp",
                 execution={"docker_cmd": "img"})
    assert result["updated"] == 1
    assert result["fields"]["script.entry_point"] == "b.py"
    got = api.get_task(task)
    assert got["script"] == {"repository": "r", "entry_point": "b.py", "diff": "+x",
                             "binary": "python"}
    assert got["name"] == "edited" and got["type"] == "testing"
    assert got["output"] == {"destination": "file:///tmp"}
    assert got["execution"] == {"docker_cmd": "img"}
    api("tasks.started", task=task)
    assert api.error("tasks.edit", task=task, comment="late") == (400, 110)
    assert api("tasks.edit", task=task, comment="late", force=True)["updated"] == 1
    assert api.get_task(task)["comment"] == "late"
    assert api.error("tasks.edit", task=task, force=True, parent="nope") == (400, 101)


def test_set_requirements_needs_a_script(api):
    bare = api.task()
    assert api.error("tasks.set_requirements", task=bare, requirements={"pip": "x"}) == \
        (400, 122)
    task = api.task(script={"entry_point": "a.py"})
    result = api("tasks.set_requirements", task=task, requirements={"pip": "numpy", "conda": ""})
    assert result == {"updated": 1,
                      "fields": {"script.requirements": {"pip": "numpy", "conda": ""}}}
    assert api.get_task(task)["script"]["requirements"] == {"pip": "numpy", "conda": ""}


def test_ping_refreshes_last_update_and_active_duration(api, tasks_collection):
    task = api.task()
    before = api.get_task(task)["last_update"]
    assert api("tasks.ping", task=task) == {}
    assert api.get_task(task)["last_update"] >= before
    api("tasks.started", task=task)
    tasks_collection.update_one({"_id": task}, {"$set": {"started": _minutes_ago(2)}})
    api("tasks.ping", task=task)
    assert 119 <= tasks_collection.find_one({"_id": task})["active_duration"] <= 125
    assert api.error("tasks.ping", task="nope") == (400, 101)


def _minutes_ago(minutes):
    from datetime import UTC, datetime, timedelta
    return datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=minutes)


def _lines(*items):
    return "\n".join(item if isinstance(item, str) else json.dumps(item) for item in items)


def test_update_batch_applies_valid_lines_and_reports_invalid_ones(api):
    one, two = api.task("task one"), api.task("task two")
    body = _lines(
        {"task": one, "name": "first name", "method": "get"},
        {"name": "no task id"},
        {"task": two, "comment": 5},
        {"task": two, "comment": "kept", "tags": ["t"]},
        {"task": one, "name": "last wins"},
    )
    result = api.raw("tasks.update_batch", body=body + "\n", content_type="application/json-lines")
    assert result.status_code == 200, result.text
    data = result.json["data"]
    assert data["updated"] == 2 and data["errors"] == 2 and data["invalid_lines"] == [2, 3]
    assert sum(data["errors_info"].values()) == 2
    assert api.get_task(one)["name"] == "last wins"
    assert api.get_task(two)["comment"] == "kept" and api.get_task(two)["tags"] == ["t"]


def test_update_batch_fails_whole_when_a_task_is_missing(api):
    one = api.task("task one")
    body = _lines({"task": one, "comment": "x"}, {"task": "missing", "comment": "y"})
    result = api.raw("tasks.update_batch", body=body, content_type="application/json-lines")
    assert (result.status_code, result.json["meta"]["result_subcode"]) == (400, 101)
    assert "missing" in result.json["meta"]["result_msg"]
    assert "comment" not in api.get_task(one)


def test_update_batch_with_only_invalid_lines_updates_nothing(api):
    result = api.raw("tasks.update_batch", body=_lines({"comment": "x"}),
                     content_type="application/json-lines")
    assert result.json["data"] == {"updated": 0, "errors": 1, "invalid_lines": [1],
                                   "errors_info": {"task: required field is missing": 1}}
    empty = api.raw("tasks.update_batch", body="", content_type="application/json-lines")
    assert (empty.status_code, empty.json["meta"]["result_subcode"]) == (400, 17)


ACTIONS_AT = {
    "1.5": {"enqueue", "dequeue"},
    "2.1": {"create", "validate", "get_by_id", "get_all", "get_all_ex", "update",
            "update_batch", "edit", "reset", "delete", "started", "stop", "stopped", "failed",
            "close", "publish", "set_requirements", "ping"},
    "2.2": {"completed"},
}


@pytest.mark.parametrize("version,action", sorted(
    (version, action) for version, actions in ACTIONS_AT.items() for action in actions))
def test_every_action_is_served_from_its_first_version_on(api, version, action):
    meta = api.meta(f"tasks.{action}", version)
    assert meta["result_code"] != 404, meta
    assert meta["endpoint"]["actual_version"] == version
    latest = api.meta(f"tasks.{action}", "2.23")
    assert latest["result_code"] != 404 and latest["endpoint"]["requested_version"] == "2.23"
    major, minor = version.split(".")
    below = f"{major}.{int(minor) - 1}" if int(minor) else "1.0"
    assert api.meta(f"tasks.{action}", below)["result_code"] == 404


def test_sdk_style_calls_at_2_9_2_13_2_20_work(api):
    for version in ("2.9", "2.13", "2.20", "2.23"):
        project = api("projects.get_all", version, name="^p$", only_fields=["id"],
                      search_hidden=True, shallow_search=False)["projects"]
        if not project:
            project = [{"id": api("projects.create", version, name="p", description="")["id"]}]
        task = api("tasks.create", version, name="t" * 3, type="training",
                   system_tags=["development"], project=project[0]["id"],
                   input={"view": {}}, method="get")["id"]
        api("tasks.started", version, task=task, force=False)
        api("tasks.edit", version, task=task, force=True, runtime={"progress": "1"},
            script={"binary": "python3.11", "entry_point": "flow.py", "working_dir": ".",
                    "diff": "print(1)", "repository": ""})
        api("tasks.set_requirements", version, task=task,
            requirements={"pip": "clearml", "conda": ""})
        polled = api("tasks.get_all", version, id=[task], search_hidden=False,
                     only_fields=["status", "status_message", "id"])["tasks"]
        assert polled == [{"id": task, "status": "in_progress", "status_message": ""}]
        api("tasks.ping", version, task=task)
        api("tasks.completed", version, task=task, force=False, status_reason="completed",
            publish=False)
        assert api.status(task) == "completed"
