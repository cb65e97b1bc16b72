"""``order_by``, paging and ``only_fields`` of get_all requests (reference-behaviour §B6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apiserver.errors import APIError
from bll.query.filters import db_field

MAX_PAGE_SIZE = 500
MAX_OFFSET = 10**12  # NOTE: far beyond any collection; keeps skip inside the store's int64
TEXT_SCORE = "@text_score"
SortKey = tuple[str, Any]


def parse_order(order_by: Iterable[str] | str | None, text_search: bool,
                text_index: bool) -> list[SortKey]:
    """Return the sort keys: ``-`` means descending, ``_id`` always ends the list.

    ``@text_score`` is only allowed with ``search_text`` (400/16 otherwise); without a text
    index there is no score, so it is ignored.
    """
    items = [order_by] if isinstance(order_by, str) else list(order_by or [])
    keys: list[SortKey] = []
    for item in items:
        name = item.lstrip("-") if item else ""
        if not name:
            continue
        if name == TEXT_SCORE:
            if not text_search:
                raise APIError("fields_value_error", f"{TEXT_SCORE} needs search_text")
            if text_index:
                keys.append(("score", {"$meta": "textScore"}))
            continue
        keys.append((db_field(name), -1 if item.startswith("-") else 1))
    if not any(field == "_id" for field, _ in keys):
        # PERF: the tiebreaker follows the first key's direction, so an index on
        # (company, <key>, _id) serves the whole sort (walked backwards for "-<key>").
        direction = keys[0][1] if keys and keys[0][1] in (1, -1) else 1
        keys.append(("_id", direction))
    return keys


def page_window(page: int | None, page_size: int | None,
                max_page_size: int = MAX_PAGE_SIZE) -> tuple[int, int]:
    """Return (offset, limit): page_size defaults to and is capped at ``max_page_size``."""
    size = min(page_size or max_page_size, max_page_size)
    offset = (page or 0) * size
    if offset > MAX_OFFSET:
        raise APIError("fields_value_error", f"page is beyond the last possible page ({offset})")
    return offset, size


def parse_projection(only_fields: Iterable[str] | None,
                     hidden_by_default: Iterable[str] = ()) -> dict[str, int] | None:
    """Return a MongoDB projection for ``only_fields`` (dotted paths; ``-`` excludes).

    ``x.*`` means the whole of ``x``; ``id`` is always returned. Fields hidden by default
    are left out unless asked for. Exclusions next to inclusions are ignored (MongoDB
    cannot mix the two).
    """
    include: list[str] = []
    exclude: list[str] = []
    for item in only_fields or []:
        path = item[1:] if item.startswith("-") else item
        path = path[:-2] if path.endswith(".*") else path
        if path:
            (exclude if item.startswith("-") else include).append(db_field(path))
    if include:
        kept: list[str] = []
        for path in sorted(set(include), key=len):
            if not any(path.startswith(k + ".") for k in kept):
                kept.append(path)
        projection = {path: 1 for path in kept}
        projection["_id"] = 1
        return projection
    hidden = [f for f in hidden_by_default if f not in exclude]
    excluded = [p for p in exclude + hidden if p != "_id"]
    return {path: 0 for path in excluded} or None
