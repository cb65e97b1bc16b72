"""The transition table on its own."""

from __future__ import annotations

import pytest

from apiserver.errors import APIError
from bll.tasks.status import TRANSITIONS, check_transition

ALL = list(TRANSITIONS)


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("new", ALL)
def test_transition_is_allowed_exactly_when_the_table_says_so(current, new):
    if current == new or new in TRANSITIONS[current]:
        check_transition(current, new)
    else:
        with pytest.raises(APIError) as caught:
            check_transition(current, new)
        assert (caught.value.code, caught.value.subcode) == (400, 110)
    check_transition(current, new, force=True)


def test_the_table_is_the_reference_head_table():
    assert TRANSITIONS["created"] == {"queued", "in_progress"}
    assert TRANSITIONS["queued"] == {"created", "in_progress", "stopped"}
    assert TRANSITIONS["published"] == set()
    assert TRANSITIONS["failed"] == {"created", "stopped", "published", "queued"}
