"""Render stored documents as API objects: ``_id`` → ``id``, datetimes as ISO-8601 strings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apiserver.errors import APIError

SORTED_LISTS = ("tags", "system_tags")


def iso(value: datetime) -> str:
    """Render a stored (naive UTC) datetime as an ISO-8601 string with its offset."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def plain(value: Any) -> Any:
    """Return ``value`` with every datetime rendered and every nested object copied."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def to_api(doc: dict[str, Any]) -> dict[str, Any]:
    """Render one stored document: ``id`` first, tags sorted, datetimes as strings."""
    out: dict[str, Any] = {"id": doc["_id"]} if "_id" in doc else {}
    for key, value in doc.items():
        if key == "_id":
            continue
        if key in SORTED_LISTS and isinstance(value, list):
            value = sorted(value)
        out[key] = plain(value)
    return out


def checked_name(value: str, min_length: int = 3) -> str:
    """Return a name without surrounding blanks; 400/800 when it is too short."""
    name = value.strip()
    if len(name) < min_length:
        raise APIError("data_validation_error",
                       f"name is shorter than {min_length} characters", value=name)
    return name


def utcnow() -> datetime:
    """Return the current UTC time as stored: naive, truncated to milliseconds."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
