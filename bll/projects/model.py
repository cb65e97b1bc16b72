"""The project document (MongoDB ``backend.project``) and its get_all query options."""

from __future__ import annotations

from mongoengine import DateTimeField, Document, ListField, StringField

from bll.query import QuerySpec

PROJECT_QUERY = QuerySpec(
    list_fields=frozenset({"id", "tags", "system_tags"}),
    pattern_fields=frozenset({"name", "description"}),
    text_fields=("name", "_id", "description"),
)


class Project(Document):
    """A named group of tasks; names are unique per company."""

    id = StringField(primary_key=True)
    company = StringField(required=True)
    user = StringField()
    name = StringField(required=True, min_length=1)
    description = StringField()
    tags = ListField(StringField())
    system_tags = ListField(StringField())
    created = DateTimeField()
    last_update = DateTimeField()
    meta = {
        "db_alias": "backend",
        "collection": "project",
        "strict": False,
        "auto_create_index": False,  # NOTE: created at start-up (text ones where supported)
        "indexes": [{"fields": ("company", "name"), "unique": True}],
    }
