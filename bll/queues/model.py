"""The queue document (MongoDB ``backend.queue``), metadata key escaping, query options."""

from __future__ import annotations

from typing import Any

from mongoengine import (
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocument,
    EmbeddedDocumentListField,
    ListField,
    StringField,
)

from bll.query import QuerySpec

DEFAULT_TAG = "default"
HIDDEN_TAGS = ("k8s-glue",)

QUEUE_QUERY = QuerySpec(
    list_fields=frozenset({"id", "tags", "system_tags"}),
    pattern_fields=frozenset({"name"}),
    text_fields=("name", "_id"),
)


class Entry(EmbeddedDocument):
    """One queued task; entry 0 is the head of the queue."""

    task = StringField(required=True)
    added = DateTimeField(required=True)


class Queue(Document):
    """A named, ordered list of task entries of one company."""

    id = StringField(primary_key=True)
    company = StringField(required=True)
    user = StringField()
    name = StringField(required=True, min_length=3)
    created = DateTimeField()
    tags = ListField(StringField())
    system_tags = ListField(StringField())
    entries = EmbeddedDocumentListField(Entry)
    last_update = DateTimeField()
    metadata = DictField()
    meta = {
        "db_alias": "backend",
        "collection": "queue",
        "strict": False,
        "auto_create_index": False,  # NOTE: created at start-up (text ones where supported)
        "indexes": [
            {"fields": ("company", "name"), "unique": True},
            ("company", "system_tags"),
            ("company", "entries.task"),
        ],
    }


_UNESCAPES = {"%%": "%", "%2E": ".", "%24": "$", "%_": "_"}


def escape_key(key: str) -> str:
    """Escape a metadata key for storage as a document field name."""
    text = key.replace("%", "%%").replace(".", "%2E").replace("$", "%24").replace("__", "%_%_")
    return "%_" + text[1:] if text.startswith("_") else text


def unescape_key(key: str) -> str:
    """Undo :func:`escape_key`."""
    out, i = [], 0
    while i < len(key):
        for token, plain in _UNESCAPES.items():
            if key.startswith(token, i):
                out.append(plain)
                i += len(token)
                break
        else:
            out.append(key[i])
            i += 1
    return "".join(out)


def stored_metadata(items: Any) -> dict[str, dict[str, Any]]:
    """Return metadata items (a list, or an object by key) as stored: by escaped key."""
    values = items.values() if isinstance(items, dict) else items or []
    return {escape_key(item["key"]): dict(item) for item in values if item.get("key")}


def api_metadata(stored: dict[str, Any]) -> dict[str, Any]:
    """Return stored metadata keyed by the original keys."""
    return {unescape_key(key): value for key, value in stored.items()}
