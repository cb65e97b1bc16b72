"""projects.*: our own small service."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_create_get_update_and_unique_names(api, other):
    project = api("projects.create", name="p", description="d", tags=["t"])["id"]
    got = api("projects.get_by_id", project=project)["project"]
    assert got["name"] == "p" and got["description"] == "d" and got["tags"] == ["t"]
    assert got["company"] == api.company and got["user"] == api.user
    assert api.error("projects.create", name="p") == (400, 405)
    assert other("projects.create", name="p")["id"] != project
    assert other.error("projects.get_by_id", project=project) == (400, 401)
    result = api("projects.update", project=project, name="q", description="e")
    assert result == {"updated": 1, "fields": {"name": "q", "description": "e"}}
    api("projects.create", name="taken")
    assert api.error("projects.update", project=project, name="taken") == (400, 405)
    assert api.error("projects.create", name="  ") == (400, 800)


def test_get_all_by_name_regex_only_fields_and_hidden(api):
    visible = api("projects.create", name="p")["id"]
    hidden = api("projects.create", name="p2", system_tags=["hidden"])["id"]
    assert api("projects.get_all", name="^p$", only_fields=["id"])["projects"] == \
        [{"id": visible}]
    assert [p["id"] for p in api("projects.get_all", name="^p")["projects"]] == [visible]
    both = api("projects.get_all", "2.13", name="^p", search_hidden=True, order_by=["name"],
               shallow_search=False)["projects"]
    assert [p["id"] for p in both] == [visible, hidden]


def test_delete_with_tasks_needs_force(api):
    project = api("projects.create", name="p")["id"]
    task = api.task(project=project)
    assert api.error("projects.delete", project=project) == (400, 402)
    assert api("projects.delete", project=project, force=True) == \
        {"deleted": 1, "disassociated_tasks": 1}
    assert "project" not in api.get_task(task)
    assert api.error("projects.get_by_id", project=project) == (400, 401)
    empty = api("projects.create", name="empty")["id"]
    assert api("projects.delete", project=empty) == {"deleted": 1, "disassociated_tasks": 0}
