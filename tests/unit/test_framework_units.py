"""Small pure pieces: configuration layering, tokens, null stripping, value coercion."""

from __future__ import annotations

import time

import pytest

from apiserver.auth import Authenticator
from apiserver.config import load_config
from apiserver.errors import APIError, ConfigError
from apiserver.parsing import coerce_text, parse_json_lines, strip_nulls
from tests.conftest import SECRET, USER, token


def test_environment_overrides_packaged_defaults():
    config = load_config(environ={"APISERVER__apiserver__validation__undeclared_fields": "reject",
                                  "APISERVER__apiserver__dev_mode": "true"})
    assert config.get("apiserver.validation.undeclared_fields") == "reject"
    assert config.get("apiserver.dev_mode") is True


def test_extra_file_merges_over_defaults(tmp_path):
    extra = tmp_path / "x.conf"
    extra.write_text("apiserver { build: nightly-7 }\n")
    config = load_config(extra, environ={})
    assert config.get("apiserver.build") == "nightly-7"
    assert config.get("apiserver.validation.responses") == "log"


def test_missing_key_without_default_is_a_config_error():
    with pytest.raises(ConfigError):
        load_config(environ={}).get("apiserver.nope")


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        load_config(tmp_path / "absent.conf", environ={})


def test_token_round_trip_carries_the_identity():
    assert Authenticator(SECRET).identity_from_token(token()) == USER


def test_expired_token_is_401_30():
    expired = token(exp=int(time.time()) - 10)
    with pytest.raises(APIError) as info:
        Authenticator(SECRET).identity_from_token(expired)
    assert (info.value.code, info.value.subcode) == (401, 30)
    assert "expired" in info.value.message


def test_token_signed_with_another_secret_is_rejected():
    with pytest.raises(APIError):
        Authenticator("another-secret-of-at-least-thirty-two-bytes").identity_from_token(token())


def test_revoked_token_is_rejected():
    auth = Authenticator(SECRET, is_revoked=lambda session: session == "s1")
    with pytest.raises(APIError) as info:
        auth.identity_from_token(token(session_id="s1"))
    assert "revoked" in info.value.message
    assert auth.identity_from_token(token(session_id="s2")) == USER


def test_strip_nulls_is_recursive():
    assert strip_nulls({"a": None, "b": {"c": None, "d": 1}, "e": [{"f": None}]}) == \
        {"b": {"d": 1}, "e": [{}]}


@pytest.mark.parametrize(("text", "expected"), [
    ("12", 12), ("-3", -3), ("1.5", 1.5), ("true", True), ("FALSE", False), ("x1", "x1"),
    ("1.2.3", "1.2.3"),
])
def test_untyped_query_values_are_recognised(text, expected):
    assert coerce_text(text, None) == expected


def test_error_message_format_renders_extra_and_fields():
    error = APIError("missing_required_fields", "in body", missing=["a", "b"], where="x")
    assert error.message == "Missing required fields (in body): missing=(a, b), where=x"
    assert (error.code, error.subcode) == (400, 11)


def test_trailing_newline_and_crlf_in_json_lines_are_fine():
    assert parse_json_lines(b'{"a": 1}\r\n{"b": 2}\r\n') == [(1, {"a": 1}), (2, {"b": 2})]
