"""The task document (MongoDB ``backend.task``) and its get_all query options.

Services read and write tasks with raw pymongo (atomic conditional updates); the document
declares the stored shape and the indexes. ``last_iteration``, ``last_update`` and
``last_metrics`` are also written by the events service with atomic operators.
"""

from __future__ import annotations

from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    IntField,
    ListField,
    StringField,
)

from bll.query import QuerySpec

STATUSES = ("created", "queued", "in_progress", "stopped", "published", "publishing",
            "closed", "failed", "completed", "unknown")
DELETED_PREFIX = "__DELETED__"
HIDDEN_TAG = "hidden"
HIDDEN_BY_DEFAULT = ("enqueue_status",)

TASK_QUERY = QuerySpec(
    list_fields=frozenset({"id", "user", "tags", "system_tags", "type", "status", "project"}),
    pattern_fields=frozenset({"name", "comment"}),
    datetime_fields=frozenset({"status_changed", "last_update"}),
    equality_fields=frozenset({"parent"}),
    text_fields=("name", "_id", "comment", "script.repository", "script.entry_point"),
)


class Task(Document):
    """A task: what to run, where it is queued, how its run went."""

    id = StringField(primary_key=True)
    company = StringField(required=True)
    user = StringField()
    name = StringField(required=True, min_length=3)
    type = StringField()
    status = StringField(default="created", choices=STATUSES)
    status_reason = StringField()
    status_message = StringField()
    status_changed = DateTimeField()
    comment = StringField()
    created = DateTimeField()
    started = DateTimeField()
    completed = DateTimeField()
    published = DateTimeField()
    active_duration = IntField()
    parent = StringField()
    project = StringField()
    tags = ListField(StringField())
    system_tags = ListField(StringField())
    output = DictField()
    execution = DictField()
    script = DictField()
    last_worker = StringField()
    last_worker_report = DateTimeField()
    last_update = DateTimeField()
    last_change = DateTimeField()
    last_changed_by = StringField()
    last_iteration = IntField(default=0)
    last_metrics = DictField()
    enqueue_status = StringField()
    meta = {
        "db_alias": "backend",
        "collection": "task",
        "strict": False,
        "auto_create_index": False,  # NOTE: created at start-up (text ones where supported)
        "indexes": [
            ("company", "id"),
            ("company", "status", "id"),
            ("company", "project", "id"),
            ("company", "name", "id"),
            ("company", "created", "id"),
            ("company", "last_update", "id"),
            ("company", "status_changed", "id"),
            ("company", "parent"),
            ("company", "tags"),
            ("company", "system_tags"),
            {
                "fields": ["$name", "$id", "$comment", "$script.repository",
                           "$script.entry_point"],
                "default_language": "english",
                "weights": {"name": 10, "_id": 10, "comment": 10, "script.repository": 1,
                            "script.entry_point": 1},
            },
        ],
    }
