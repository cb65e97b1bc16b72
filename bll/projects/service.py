"""Project operations; tasks refer to projects by id."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from apiserver.errors import APIError
from bll.projects.model import PROJECT_QUERY
from bll.query import Page, QueryRunner
from bll.query.output import plain, utcnow

HIDDEN_TAG = "hidden"


def _name(value: str) -> str:
    name = value.strip()
    if not name:
        raise APIError("data_validation_error", "name is empty")
    return name


class ProjectService:
    """Create, read, change and delete the projects of a company."""

    def __init__(self, projects: Collection, tasks: Collection, runner: QueryRunner) -> None:
        self._projects = projects
        self._tasks = tasks
        self._runner = runner

    def get(self, company: str, project_id: str) -> dict[str, Any]:
        """Return the stored project; 400/401 when the company has no such project."""
        doc = self._projects.find_one({"_id": project_id})
        if doc is None or doc.get("company") not in (company, ""):
            raise APIError("invalid_project_id", project=project_id)
        return doc

    def check_exists(self, company: str, project_id: str) -> None:
        """Raise 400/401 unless the project exists for the company."""
        self.get(company, project_id)

    def get_all(self, company: str, data: Mapping[str, Any]) -> Page:
        """Serve get_all: hidden projects only with ``search_hidden`` or an id filter."""
        scope: dict[str, Any] = {"company": {"$in": [company, ""]}}
        if not data.get("search_hidden") and not data.get("id"):
            scope["system_tags"] = {"$ne": HIDDEN_TAG}
        return self._runner.get_all(self._projects, scope, data, PROJECT_QUERY,
                                    scroll_scope=f"projects:{company}")

    def create(self, company: str, user: str, data: Mapping[str, Any]) -> str:
        """Create a project (400/405 when the company already has the name)."""
        now = utcnow()
        doc = {
            "_id": uuid.uuid4().hex, "company": company, "user": user,
            "name": _name(data["name"]), "description": data.get("description", ""),
            "tags": list(data.get("tags") or []),
            "system_tags": list(data.get("system_tags") or []),
            "created": now, "last_update": now,
        }
        try:
            self._projects.insert_one(doc)
        except DuplicateKeyError:
            raise APIError("project_name_exists", project_name=doc["name"]) from None
        return str(doc["_id"])

    def update(self, company: str, project_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Update the fields sent (name, description, tags, system_tags)."""
        self._writable(company, project_id)
        fields = {k: data[k] for k in ("description", "tags", "system_tags") if k in data}
        if "name" in data:
            fields["name"] = _name(data["name"])
        if not fields:
            return {"updated": 0, "fields": {}}
        try:
            result = self._projects.update_one({"_id": project_id, "company": company},
                                               {"$set": {**fields, "last_update": utcnow()}})
        except DuplicateKeyError:
            raise APIError("project_name_exists", project_name=fields.get("name", "")) from None
        return {"updated": result.matched_count, "fields": plain(fields)}

    def delete(self, company: str, project_id: str, force: bool) -> dict[str, int]:
        """Delete a project; one with tasks only with ``force`` (the tasks lose it)."""
        self._writable(company, project_id)
        query = {"company": company, "project": project_id}
        if not force and self._tasks.count_documents(query, limit=1):
            raise APIError("project_has_tasks", "use force=true to delete",
                           project=project_id)
        moved = self._tasks.update_many(query, {"$unset": {"project": ""}}).modified_count
        deleted = self._projects.delete_one({"_id": project_id, "company": company})
        return {"deleted": deleted.deleted_count, "disassociated_tasks": moved}

    def touch(self, company: str, project_id: str | None) -> None:
        """Record that a task of the project changed."""
        if project_id:
            self._projects.update_one({"_id": project_id, "company": company},
                                      {"$set": {"last_update": utcnow()}})

    def _writable(self, company: str, project_id: str) -> None:
        doc = self.get(company, project_id)
        if doc.get("company") != company:
            raise APIError("no_write_permission", project=project_id)
