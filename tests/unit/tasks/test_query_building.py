"""The query builder on its own: list fields, null, operators, dates, text fallback."""

from __future__ import annotations

from datetime import datetime

import pytest

from apiserver.errors import APIError
from bll.query.filters import (
    QuerySpec,
    build_query,
    datetime_condition,
    list_condition,
    text_condition,
)
from bll.query.ordering import page_window, parse_order, parse_projection

SPEC = QuerySpec(list_fields=frozenset({"tags", "id"}), pattern_fields=frozenset({"name"}),
                 datetime_fields=frozenset({"status_changed"}),
                 equality_fields=frozenset({"parent"}), text_fields=("name", "_id"))


def test_list_values_exclusion_and_null():
    assert list_condition("tags", ["a", "-b"]) == \
        {"tags": {"$in": ["a"]}, "$and": [{"tags": {"$nin": ["b"]}}]}
    assert list_condition("tags", [None, "a"]) == {"$or": [
        {"tags": {"$in": ["a"]}}, {"$or": [{"tags": None}, {"tags": []}]}]}
    assert list_condition("tags", "a") == {"tags": {"$in": ["a"]}}
    with pytest.raises(APIError):
        list_condition("tags", ["-"])


def test_list_operators():
    assert list_condition("tags", ["__$all", "a", "b"]) == {"tags": {"$all": ["a", "b"]}}
    assert list_condition("tags", ["__$any", "__$not", "a", "b"]) == {"$or": [
        {"tags": {"$nin": ["a"]}}, {"tags": {"$in": ["b"]}}]}
    with pytest.raises(APIError):
        list_condition("tags", ["__$nope"])


def test_every_regex_is_an_operator_never_a_compiled_pattern():
    query = build_query({"name": "^a", "_any_": {"fields": ["name", "id"], "pattern": "x"}},
                        SPEC, text_indexes=False)
    assert query == {"name": {"$regex": "^a"}, "$or": [
        {"name": {"$regex": "x", "$options": "i"}}, {"_id": {"$regex": "x", "$options": "i"}}]}


def test_dates():
    assert datetime_condition("d", [">=2021-01-01", "<2021-02-01T10:00:00Z", "junk"]) == \
        {"d": {"$gte": datetime(2021, 1, 1), "$lt": datetime(2021, 2, 1, 10)}}
    assert datetime_condition("d", [None, "2021-01-01"]) == \
        {"$or": [{"d": {"$lte": datetime(2021, 1, 1)}}, {"d": None}]}


def test_text_search_uses_the_index_or_an_equivalent_regex():
    assert text_condition("a b", ("name",), True) == {"$text": {"$search": "a b"}}
    assert text_condition('a "b c" -d', ("name",), False) == {
        "$or": [{"name": {"$regex": "a", "$options": "i"}},
                {"name": {"$regex": "b\\ c", "$options": "i"}}],
        "$nor": [{"name": {"$regex": "d", "$options": "i"}}]}


def test_order_paging_and_projection():
    assert parse_order(["-name", "id"], False, False) == [("name", -1), ("_id", 1)]
    assert parse_order(["-name"], False, False) == [("name", -1), ("_id", -1)]
    assert parse_order(None, False, False) == [("_id", 1)]
    assert page_window(None, None) == (0, 500)
    assert page_window(3, 1000) == (1500, 500)
    assert parse_projection(["a.b", "a", "c.*"]) == {"a": 1, "c": 1, "_id": 1}
    assert parse_projection(["-x"], ["enqueue_status"]) == {"x": 0, "enqueue_status": 0}
    assert parse_projection(None) is None


@pytest.mark.parametrize("path", ["a.", ".a", "a..b", "$where", "a.$b", ""])
def test_malformed_field_paths_are_400_14(path):
    from apiserver.errors import APIError
    from bll.query.filters import db_field

    with pytest.raises(APIError) as info:
        db_field(path)
    assert (info.value.code, info.value.subcode) == (400, 14)


def test_a_page_beyond_any_collection_is_refused():
    from apiserver.errors import APIError

    with pytest.raises(APIError) as info:
        page_window(2**62, 500)
    assert (info.value.code, info.value.subcode) == (400, 16)
