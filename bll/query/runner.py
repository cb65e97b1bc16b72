"""Run one get_all / get_all_ex request: filter, order, page or scroll, project."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from pymongo.collection import Collection

from apiserver.errors import APIError
from bll.query.filters import QuerySpec, all_of, build_query
from bll.query.ordering import SortKey, page_window, parse_order, parse_projection
from bll.query.scroll import ScrollStates

_EMPTY_VALUES: list[Any] = [None, "", []]


@dataclass
class Page:
    """The documents of one page (stored form) and, when scrolling, the scroll id."""

    items: list[dict[str, Any]]
    scroll_id: str | None = None


class QueryRunner:
    """Serve get_all requests over a collection, with scroll states in Redis."""

    def __init__(self, client: redis.Redis, text_indexes: bool,
                 max_page_size: int = 500) -> None:
        self.text_indexes = text_indexes
        self.max_page_size = max_page_size
        self.scrolls = ScrollStates(client)

    def query(self, scope: Mapping[str, Any], data: Mapping[str, Any],
              spec: QuerySpec) -> dict[str, Any]:
        """Return the full query: the scope ANDed with the request's filters."""
        return all_of([dict(scope), build_query(data, spec, self.text_indexes)])

    def get_all(
        self,
        collection: Collection,
        scope: Mapping[str, Any],
        data: Mapping[str, Any],
        spec: QuerySpec,
        *,
        scroll_scope: str,
        hidden_by_default: Iterable[str] = (),
    ) -> Page:
        """Return the page (or scroll step) the request asks for.

        Scrolling starts when the request holds ``scroll_id`` (only versions declaring it
        let it through); ``size`` is then required and not capped.
        """
        query = self.query(scope, data, spec)
        order = parse_order(data.get("order_by"), bool(data.get("search_text")),
                            self.text_indexes)
        projection = parse_projection(data.get("only_fields"), hidden_by_default)
        if "scroll_id" not in data:
            offset, limit = page_window(data.get("page"), data.get("page_size"),
                                        self.max_page_size)
            return Page(fetch(collection, query, order, projection, offset, limit))
        size = data.get("size")
        if not isinstance(size, int) or size < 1:
            raise APIError("validation_error", "Integer size parameter greater than 1 should "
                           "be provided when working with scroll")
        state = self.scrolls.load(scroll_scope, data.get("scroll_id"))
        if data.get("refresh_scroll"):
            offset, limit = 0, max(state.position, size)
        else:
            offset, limit = state.position, size
        items = fetch(collection, query, order, projection, offset, limit)
        state.position = offset + len(items)
        self.scrolls.save(scroll_scope, state)
        return Page(items, state.id)


def fetch(collection: Collection, query: dict[str, Any], order: list[SortKey],
          projection: dict[str, int] | None, offset: int, limit: int) -> list[dict[str, Any]]:
    """Fetch ``limit`` documents from ``offset`` in ``order``.

    Documents missing the first ascending sort field (null, "" or []) come after all that
    have it: two consecutive queries, with the offset carried across them.
    """
    first, direction = order[0]
    if direction != 1 or first == "_id":
        return list(collection.find(query, projection, sort=order, skip=offset, limit=limit))
    with_value = all_of([query, {first: {"$nin": _EMPTY_VALUES}}])
    items = list(collection.find(with_value, projection, sort=order, skip=offset, limit=limit))
    if len(items) == limit:
        return items
    skipped = 0 if items else max(0, offset - collection.count_documents(with_value))
    without = all_of([query, {first: {"$in": _EMPTY_VALUES}}])
    items += collection.find(without, projection, sort=order, skip=skipped,
                             limit=limit - len(items))
    return items
