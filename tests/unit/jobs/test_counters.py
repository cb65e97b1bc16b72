"""Integer ids from the counter document, robust to the embedded engine's upsert race."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError

from apiserver.errors import APIError
from bll.jobs.model import next_id


class FlakyCounters:
    """Answer None (as SecantusDB does to a racing upsert) or raise before counting."""

    def __init__(self, failures: list[object]) -> None:
        self.failures = failures
        self.seq = 0

    def find_one_and_update(self, query, update, upsert, return_document):
        self.seq += 1  # the increment happens even when the answer is lost
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return None
        return {"_id": query["_id"], "seq": self.seq}


def test_a_lost_answer_is_retried_and_leaves_a_gap():
    counters = FlakyCounters([None, DuplicateKeyError("race")])
    assert next_id(counters, "job") == 3
    assert next_id(counters, "job") == 4


def test_a_counter_that_never_answers_is_an_internal_error():
    counters = FlakyCounters([None] * 100)
    with pytest.raises(APIError) as caught:
        next_id(counters, "job")
    assert caught.value.code == 500
