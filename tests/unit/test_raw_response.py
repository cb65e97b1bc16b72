"""A handler may return a RawResponse: sent as an attachment, without the envelope."""

from __future__ import annotations

from apiserver.call import Call, RawResponse
from apiserver.registry import Binding
from tests.conftest import fixture_client


def streamed(call: Call) -> RawResponse:
    return RawResponse((line for line in (b"one\n", b"two\n")), "text/plain", "task_x.log")


def whole(call: Call) -> RawResponse:
    return RawResponse(b'{"a": 1}\n', "application/json")


def test_raw_stream_is_sent_as_an_attachment_without_envelope() -> None:
    client = fixture_client("basic", lambda s, c: [Binding("items.public_echo", "1.0", streamed)])
    result = client.simulate_post("/items.public_echo", json={})
    assert result.status_code == 200
    assert result.text == "one\ntwo\n"
    assert result.headers["content-type"].startswith("text/plain")
    assert result.headers["content-disposition"] == 'attachment; filename="task_x.log"'
    assert result.headers["cache-control"] == "no-store"


def test_raw_bytes_without_a_filename_are_sent_inline() -> None:
    client = fixture_client("basic", lambda s, c: [Binding("items.public_echo", "1.0", whole)])
    result = client.simulate_post("/items.public_echo", json={})
    assert result.text == '{"a": 1}\n' and "content-disposition" not in result.headers
