"""Reading a task's log: scrolled pages (1.5, 1.7), navigation state (2.7), all events."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

import orjson
from elasticsearch import helpers

from apiserver.errors import APIError
from bll.events.indices import EVENT_TYPES, LOG
from bll.events.search import MAX_PAGE, EventSearch, StateStore, task_query

LINE_FIELDS = frozenset({"asctime", "timestamp", "level", "worker", "msg"})
DOWNLOAD_BATCH = 1000


class LogReader:
    """The log events of tasks, by page, by navigation and as a whole."""

    def __init__(self, search: EventSearch, states: StateStore) -> None:
        self.search = search
        self.states = states

    def scroll(self, company: str, task: str, order: str, batch_size: int,
               scroll_id: str | None, from_: str | None = None) -> dict[str, Any]:
        """Return one page of a scroll over the task's log (1.5, and 1.7 with ``from_``)."""
        direction = order if from_ is None else ("asc" if from_ == "head" else "desc")
        events, total, next_id = self.search.page(
            company, [LOG], scroll_id, query=task_query(task),
            sort=[{"timestamp": direction}], size=min(batch_size, MAX_PAGE),
        )
        if direction != order:
            events.reverse()
        return page(events, total, next_id)

    def navigate(self, company: str, task: str, batch_size: int, earlier: bool, refresh: bool,
                 state_id: str | None) -> dict[str, Any]:
        """Return the next page earlier or later than the previous one (2.7)."""
        state = self.states.load(state_id)
        if state is None:
            state = {"task": task}
        elif state.get("task") != task:
            raise APIError("invalid_scroll_id", "the scroll belongs to another task")
        if refresh:
            state.pop("last_min_timestamp", None)
            state.pop("last_max_timestamp", None)
        events = self._next_page(company, task, batch_size, earlier, state)
        if events:
            stamps = [e["timestamp"] for e in events]
            state["last_min_timestamp"], state["last_max_timestamp"] = min(stamps), max(stamps)
        total = self.search.count(company, [LOG], task_query(task))
        return page(events, total, self.states.save(state))

    def _next_page(self, company: str, task: str, size: int, earlier: bool,
                   state: dict[str, Any]) -> list[dict[str, Any]]:
        bound = state.get("last_min_timestamp" if earlier else "last_max_timestamp")
        clauses = [] if bound is None else \
            [{"range": {"timestamp": {"lt" if earlier else "gt": bound}}}]
        direction = "desc" if earlier else "asc"
        result = self.search.search(company, [LOG], query=task_query(task, *clauses),
                                    sort=[{"timestamp": direction}], size=min(size, MAX_PAGE))
        hits = result["hits"]["hits"]
        if not hits:
            return []
        # NOTE: events sharing the last timestamp are never split across pages.
        last = hits[-1]["_source"]["timestamp"]
        seen = {hit["_id"] for hit in hits}
        same = self.search.search(company, [LOG],
                                  query=task_query(task, {"term": {"timestamp": last}}),
                                  size=MAX_PAGE)
        extra = [hit for hit in same["hits"]["hits"] if hit["_id"] not in seen]
        return [hit["_source"] for hit in hits + extra]

    def events(self, company: str, task: str, order: str, batch_size: int,
               scroll_id: str | None, event_type: str | None) -> dict[str, Any]:
        """Return one page of a scroll over all (or one type of) the task's events."""
        types = [event_type] if event_type else list(EVENT_TYPES)
        if event_type and event_type not in EVENT_TYPES:
            raise APIError("fields_value_error", "unknown event type", event_type=event_type)
        events, total, next_id = self.search.page(
            company, types, scroll_id, query=task_query(task),
            sort=[{"timestamp": order}], size=min(batch_size, MAX_PAGE),
        )
        return page(events, total, next_id)

    def lines(self, company: str, task: str, line_type: str, line_format: str) -> Iterator[bytes]:
        """Return the task's whole log, oldest first, one encoded line per event."""
        if line_type == "text":
            check_line_format(line_format)
            if not line_format.endswith("\n"):
                line_format += "\n"
        return self._lines(company, task, line_type, line_format)

    def _lines(self, company: str, task: str, line_type: str,
               line_format: str) -> Iterator[bytes]:
        scan = helpers.scan(
            self.search.es, index=self.search.indices.names(company, [LOG]),
            query={"query": task_query(task), "sort": [{"timestamp": "asc"}]},
            preserve_order=True, size=DOWNLOAD_BATCH, ignore_unavailable=True,
            allow_no_indices=True,
        )
        for hit in scan:
            event = hit["_source"]
            event["asctime"] = event.get("@timestamp", "")
            if line_type == "text":
                yield line_format.format_map(_Blank(event)).encode()
            else:
                event.pop("type", None)
                event.pop("task", None)
                yield orjson.dumps(event) + b"\n"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def check_line_format(line_format: str) -> None:
    """Reject an empty text line format or one naming unknown fields."""
    if not line_format:
        raise APIError("missing_required_fields", "line_format", missing=["line_format"])
    names = {name for _, name, _, _ in string.Formatter().parse(line_format) if name}
    unknown = sorted(names - LINE_FIELDS)
    if unknown:
        raise APIError("fields_value_error", "undefined placeholders in line format",
                       placeholders=unknown)


def page(events: list[dict[str, Any]], total: int, scroll_id: str | None) -> dict[str, Any]:
    """Return the usual page response (no ``scroll_id`` when there is nothing to continue)."""
    result: dict[str, Any] = {"events": events, "returned": len(events), "total": total}
    if scroll_id:
        result["scroll_id"] = scroll_id
    return result
