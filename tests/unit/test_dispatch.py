"""The call pipeline through Falcon's TestClient, over the small `items` fixture service."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from apiserver.call import Call
from apiserver.registry import Binding
from tests.conftest import ADMIN, bearer, fixture_client

JSON_LINES = {"Content-Type": "application/json-lines"}


def echo(call: Call) -> dict[str, Any]:
    return {
        "id": "item-1",
        "received": call.data,
        "requested": str(call.requested_version),
        "actual": str(call.actual_version),
        "company": call.company,
        "worker": call.worker,
    }


def batch(call: Call) -> dict[str, Any]:
    assert call.batch is not None
    return {
        "added": len(call.batch),
        "errors": len(call.batch_errors),
        "items": call.batch,
        "errors_info": [{"line": e.line, "reason": e.reason} for e in call.batch_errors],
    }


def broken(call: Call) -> dict[str, Any]:
    return {"count": "many"}


def explode(call: Call) -> dict[str, Any]:
    raise RuntimeError("boom: internal detail")


def bindings(schemas, config):
    return [
        Binding("items.create", "1.0", echo),
        Binding("items.add_batch", "2.0", batch),
        Binding("items.admin_only", "1.0", echo),
        Binding("items.public_echo", "1.0", echo),
        Binding("items.broken_response", "1.0", broken),
        Binding("items.explode", "1.0", explode),
        Binding("items.next_only", "1.0", echo),
        Binding("items.late_handler", "1.5", echo),
    ]


@pytest.fixture
def client():
    return fixture_client("basic", bindings)


def post(client, path, body=None, headers=None, **kwargs):
    return client.simulate_post(path, json=body, headers={**bearer(), **(headers or {})}, **kwargs)


def meta(result):
    return result.json["meta"]


# --- envelope -------------------------------------------------------------------------------

def test_success_envelope_carries_strings_and_status_200(client):
    result = post(client, "/v1.0/items.create", {"name": "a"}, {"X-ClearML-Trx": "trx-7"})
    assert result.status_code == 200
    m = meta(result)
    assert m["result_code"] == 200 and m["result_subcode"] == 0 and m["result_msg"] == "OK"
    assert m["trx"] == "trx-7"
    assert isinstance(m["id"], str) and len(m["id"]) == 32
    assert m["endpoint"] == {"name": "items.create", "requested_version": "1.0",
                             "actual_version": "1.0"}
    assert m["error_stack"] is None and m["error_data"] == {}
    assert result.json["data"]["id"] == "item-1"


def test_legacy_trains_headers_are_read(client):
    result = post(client, "/items.create", {"name": "a"},
                  {"X-Trains-Trx": "old-trx", "X-Trains-Worker": "w-9"})
    assert meta(result)["trx"] == "old-trx"
    assert result.json["data"]["worker"] == "w-9"


def test_trx_defaults_to_call_id(client):
    m = meta(post(client, "/items.create", {"name": "a"}))
    assert m["trx"] == m["id"]


def test_error_status_equals_result_code(client):
    result = post(client, "/v1.0/items.create", {})
    assert result.status_code == 400 == meta(result)["result_code"]


def test_handler_exception_is_500_without_internals(client):
    result = post(client, "/items.explode", {})
    assert result.status_code == 500
    assert meta(result)["result_subcode"] == 0
    assert "boom" not in meta(result)["result_msg"]
    assert meta(result)["id"] in meta(result)["result_msg"]


def test_response_violating_its_schema_is_500_naming_the_field(client):
    result = post(client, "/items.broken_response", {})
    assert result.status_code == 500
    assert "count" in meta(result)["result_msg"]


def test_response_violation_is_only_logged_when_configured(caplog):
    client = fixture_client("basic", bindings, apiserver__validation__responses="log")
    result = post(client, "/items.broken_response", {})
    assert result.status_code == 200
    assert "count" in caplog.text


def test_dev_mode_turns_response_violations_into_errors():
    client = fixture_client("basic", bindings, apiserver__validation__responses="off",
                            apiserver__dev_mode=True)
    assert post(client, "/items.broken_response", {}).status_code == 500


# --- paths and versions ---------------------------------------------------------------------

def test_get_and_post_and_trailing_slash_are_all_served(client):
    assert post(client, "/v1.0/items.create/", {"name": "a"}).status_code == 200
    result = client.simulate_get("/v1.0/items.create", params={"name": "a"}, headers=bearer())
    assert result.status_code == 200


def test_unversioned_call_is_served_by_latest_released_version(client):
    m = meta(post(client, "/items.next_only", {}))
    assert m["endpoint"]["requested_version"] == "2.0"
    assert m["endpoint"]["actual_version"] == "1.0"


def test_version_above_latest_is_served_by_latest(client):
    m = meta(post(client, "/v7.3/items.create", {"name": "a"}))
    assert m["endpoint"] == {"name": "items.create", "requested_version": "7.3",
                             "actual_version": "2.0"}


def test_unreleased_version_is_reached_only_when_asked_for(client):
    def served(path):
        return meta(post(client, path, {}))["endpoint"]["actual_version"]

    assert served("/v999.0/items.next_only") == "999.0"
    assert served("/v998.0/items.next_only") == "1.0"


def test_version_below_lowest_is_404(client):
    result = post(client, "/v0.9/items.create", {"name": "a"})
    assert result.status_code == 404


def test_unknown_action_is_404(client):
    assert post(client, "/items.nope", {}).status_code == 404
    assert post(client, "/nope.create", {}).status_code == 404


def test_action_without_handler_is_404(client):
    assert post(client, "/items.unbound", {}).status_code == 404


def test_version_before_first_bound_handler_is_404(client):
    assert post(client, "/v1.0/items.late_handler", {}).status_code == 404
    assert post(client, "/v1.5/items.late_handler", {}).status_code == 200


@pytest.mark.parametrize("path", ["/items", "/a/b/c", "/items.create.x", "/1items.create", "/"])
def test_malformed_path_is_400(client, path):
    result = post(client, path, {})
    assert result.status_code == 400
    assert meta(result)["result_subcode"] == 0
    assert "invalid request path" in meta(result)["result_msg"]


@pytest.mark.parametrize("path", ["/v2/items.create", "/vx.y/items.create", "/v2.4.1/items.create",
                                  "/v/items.create"])
def test_malformed_version_is_400_2(client, path):
    result = post(client, path, {"name": "a"})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 2)


def test_options_is_answered_without_a_call(client):
    assert client.simulate_options("/items.create").status_code == 200


def test_content_encoding_is_415(client):
    result = post(client, "/items.create", {"name": "a"}, {"Content-Encoding": "gzip"})
    assert result.status_code == 415


# --- authentication -------------------------------------------------------------------------

def test_missing_credentials_is_401_20(client):
    result = client.simulate_post("/items.create", json={"name": "a"})
    assert (result.status_code, meta(result)["result_subcode"]) == (401, 20)


def test_bad_token_is_401_30(client):
    result = client.simulate_post("/items.create", json={"name": "a"},
                                  headers={"Authorization": "Bearer not.a.jwt"})
    assert (result.status_code, meta(result)["result_subcode"]) == (401, 30)


def test_basic_credentials_work_on_any_endpoint(client):
    result = client.simulate_post("/items.create", json={"name": "a"},
                                  headers={"Authorization": "Basic a2V5MTpzZWNyZXQx"})
    assert result.status_code == 200
    assert result.json["data"]["company"] == "c1"


def test_wrong_basic_credentials_is_401_22(client):
    result = client.simulate_post("/items.create", json={"name": "a"},
                                  headers={"Authorization": "Basic a2V5MTp3cm9uZw=="})
    assert (result.status_code, meta(result)["result_subcode"]) == (401, 22)


def test_unknown_auth_scheme_is_401_10(client):
    result = client.simulate_post("/items.create", json={"name": "a"},
                                  headers={"Authorization": "Digest abc"})
    assert (result.status_code, meta(result)["result_subcode"]) == (401, 10)


def test_role_not_in_allow_roles_is_403_20(client):
    result = post(client, "/items.admin_only", {})
    assert (result.status_code, meta(result)["result_subcode"]) == (403, 20)
    assert client.simulate_post("/items.admin_only", json={},
                                headers=bearer(ADMIN)).status_code == 200


def test_endpoint_without_authorize_needs_no_credentials(client):
    assert client.simulate_post("/items.public_echo", json={"x": 1}).status_code == 200


# --- body, validation, defaults -------------------------------------------------------------

def test_missing_required_field_is_400_11_naming_it(client):
    result = post(client, "/items.create", {"size": 2})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 11)
    assert "name" in meta(result)["result_msg"]


def test_wrong_type_is_400_12_naming_the_field_path(client):
    result = post(client, "/items.create", {"name": "a", "tags": ["x", 5]})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 12)
    assert "tags[1]" in meta(result)["result_msg"]
    assert "string" in meta(result)["result_msg"]


def test_nested_ref_field_is_validated(client):
    result = post(client, "/items.create", {"name": "a", "options": {"weight": "heavy"}})
    assert result.status_code == 400
    assert "options.weight" in meta(result)["result_msg"]


def test_schema_constraint_from_merged_substitution_is_enforced(client):
    result = post(client, "/items.create", {"name": "a", "size": -1})
    assert result.status_code == 400
    assert "size" in meta(result)["result_msg"]


def test_defaults_are_applied_including_nested_ones(client):
    received = post(client, "/items.create", {"name": "a", "options": {}}).json["data"]["received"]
    assert received == {"name": "a", "size": 1, "active": True, "options": {"color": "red"}}


def test_given_values_win_over_defaults(client):
    received = post(client, "/items.create",
                    {"name": "a", "size": 5, "active": False}).json["data"]["received"]
    assert received["size"] == 5 and received["active"] is False


def test_nulls_are_treated_as_absent(client):
    received = post(client, "/items.create",
                    {"name": "a", "size": None, "tags": None,
                     "options": {"color": None}}).json["data"]["received"]
    assert received == {"name": "a", "size": 1, "active": True, "options": {"color": "red"}}


def test_null_for_a_required_field_is_missing(client):
    result = post(client, "/items.create", {"name": None})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 11)


def test_undeclared_fields_are_not_passed_to_the_handler(client):
    received = post(client, "/v1.0/items.create",
                    {"name": "a", "labels": ["x"], "bogus": 1,
                     "options": {"shade": "dark"}, "extra": {"free": 1}}).json["data"]["received"]
    assert "labels" not in received and "bogus" not in received
    assert received["options"] == {"color": "red"}
    assert received["extra"] == {"free": 1}


def test_field_declared_by_a_later_version_is_passed_at_that_version(client):
    received = post(client, "/v2.0/items.create",
                    {"name": "a", "labels": ["x"]}).json["data"]["received"]
    assert received["labels"] == ["x"]


def test_undeclared_fields_are_400_14_when_configured():
    client = fixture_client("basic", bindings, apiserver__validation__undeclared_fields="reject")
    result = post(client, "/v1.0/items.create", {"name": "a", "labels": ["x"], "bogus": 1})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 14)
    assert "labels" in meta(result)["result_msg"] and "bogus" in meta(result)["result_msg"]


def test_malformed_json_is_400_naming_the_problem(client):
    result = client.simulate_post("/items.create", body=b'{"name": ', headers=bearer())
    assert result.status_code == 400
    assert "malformed JSON" in meta(result)["result_msg"]


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_json_body_that_is_not_an_object_is_400(client, body):
    result = client.simulate_post("/items.create", body=body, headers=bearer())
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 12)
    assert "JSON object" in meta(result)["result_msg"]


def test_empty_body_is_an_empty_request(client):
    result = client.simulate_post("/items.create", body=b"", headers=bearer())
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 11)


# --- query string ---------------------------------------------------------------------------

def test_query_string_merges_over_the_body_with_schema_types(client):
    result = client.simulate_post("/items.create", json={"name": "body", "size": 3},
                                  query_string="name=123&size=7&active=false", headers=bearer())
    received = result.json["data"]["received"]
    assert received["name"] == "123"  # declared string: kept as text
    assert received["size"] == 7 and received["active"] is False


def test_repeated_and_bracketed_keys_become_lists(client):
    received = client.simulate_get(
        "/items.create", query_string="name=a&tags=x&tags=y", headers=bearer()
    ).json["data"]["received"]
    assert received["tags"] == ["x", "y"]
    received = client.simulate_get(
        "/items.create", query_string="name=a&tags[]=only", headers=bearer()
    ).json["data"]["received"]
    assert received["tags"] == ["only"]


def test_single_value_for_an_array_field_becomes_a_list(client):
    received = client.simulate_get(
        "/items.create", query_string="name=a&tags=one", headers=bearer()
    ).json["data"]["received"]
    assert received["tags"] == ["one"]


def test_dotted_query_keys_nest(client):
    received = client.simulate_get(
        "/items.create", query_string="name=a&options.weight=2.5", headers=bearer()
    ).json["data"]["received"]
    assert received["options"] == {"weight": 2.5, "color": "red"}


def test_undeclared_query_values_convert_numbers_and_booleans(client):
    received = client.simulate_get(
        "/items.public_echo", query_string="n=-4&f=1.5&b=TRUE&s=abc"
    ).json["data"]["received"]
    assert received == {"n": -4, "f": 1.5, "b": True, "s": "abc"}


def test_query_value_of_wrong_type_is_a_validation_error(client):
    result = client.simulate_get("/items.create", query_string="name=a&size=big",
                                 headers=bearer())
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 12)
    assert "size" in meta(result)["result_msg"]


def test_form_fields_are_read_like_query_arguments(client):
    result = client.simulate_post(
        "/items.create", body="name=formed&size=4",
        headers={**bearer(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert result.json["data"]["received"]["name"] == "formed"
    assert result.json["data"]["received"]["size"] == 4


# --- json-lines batches ---------------------------------------------------------------------

def lines(*items: Any) -> bytes:
    return b"\n".join(i if isinstance(i, bytes) else orjson.dumps(i) for i in items) + b"\n"


def test_each_batch_line_is_validated_as_the_target_action(client):
    body = lines({"name": "a"}, {"size": 2}, {"name": "c", "tags": [1]}, {"name": "d", "x": 1})
    result = client.simulate_post("/items.add_batch", body=body,
                                  headers={**bearer(), **JSON_LINES})
    assert result.status_code == 200
    data = result.json["data"]
    assert data["added"] == 2 and data["errors"] == 2
    assert [item["name"] for item in data["items"]] == ["a", "d"]
    assert data["items"][0]["size"] == 1  # defaults of the target schema
    assert "x" not in data["items"][1]  # undeclared field dropped per line
    assert data["errors_info"][0]["line"] == 2 and "name" in data["errors_info"][0]["reason"]
    assert data["errors_info"][1]["line"] == 3 and "tags[0]" in data["errors_info"][1]["reason"]


def test_a_line_that_is_not_json_is_named_in_the_error(client):
    body = lines({"name": "a"}, b"{not json")
    result = client.simulate_post("/items.add_batch", body=body, headers={**bearer(), **JSON_LINES})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 18)
    assert "line 2" in meta(result)["result_msg"]


def test_a_line_that_is_not_an_object_is_named_in_the_error(client):
    body = lines({"name": "a"}, {"name": "b"}, [1, 2])
    result = client.simulate_post("/items.add_batch", body=body, headers={**bearer(), **JSON_LINES})
    assert result.status_code == 400
    assert "line 3" in meta(result)["result_msg"] and "array" in meta(result)["result_msg"]


def test_empty_batch_is_400_17(client):
    for body in (b"", b"\n\n"):
        result = client.simulate_post("/items.add_batch", body=body,
                                      headers={**bearer(), **JSON_LINES})
        assert (result.status_code, meta(result)["result_subcode"]) == (400, 17)


def test_batch_line_numbers_count_blank_lines(client):
    body = b'{"name": "a"}\n\n{"size": 1}\n'
    data = client.simulate_post("/items.add_batch", body=body,
                                headers={**bearer(), **JSON_LINES}).json["data"]
    assert data["errors_info"][0]["line"] == 3


def test_json_object_body_is_a_batch_of_one(client):
    data = post(client, "/items.add_batch", {"name": "solo"}).json["data"]
    assert data["added"] == 1 and data["items"][0]["name"] == "solo"


def test_json_lines_to_a_non_batch_action_is_400(client):
    result = client.simulate_post("/items.create", body=lines({"name": "a"}),
                                  headers={**bearer(), **JSON_LINES})
    assert result.status_code == 400
    assert "json-lines" in meta(result)["result_msg"]


def test_chunked_body_without_length_is_read():
    import io

    from falcon import testing

    app = fixture_client("basic", bindings).app
    env = testing.create_environ(
        path="/items.create", method="POST",
        headers={**bearer(), "Transfer-Encoding": "chunked", "Content-Type": "application/json"},
    )
    env.pop("CONTENT_LENGTH", None)
    env["wsgi.input"] = io.BytesIO(b'{"name": "chunky"}')
    response = testing.StartResponseMock()
    body = b"".join(app(env, response))
    assert response.status.startswith("200"), body
    assert orjson.loads(body)["data"]["received"]["name"] == "chunky"


def test_json_body_labelled_as_form_data_is_read_as_json(client):
    form = {**bearer(), "Content-Type": "application/x-www-form-urlencoded"}
    result = client.simulate_post("/items.create", body=b'{"name": "curl"}', headers=form)
    assert result.json["data"]["received"]["name"] == "curl"
    result = client.simulate_post("/items.create", body=b'{"name": ', headers=form)
    assert result.status_code == 400 and "malformed JSON" in meta(result)["result_msg"]


def test_unserializable_response_is_500_naming_the_cause():
    def returns_a_set(call):
        return {"id": "x", "values": {1, 2}}

    client = fixture_client("basic", lambda s, c: [Binding("items.create", "1.0", returns_a_set)])
    result = post(client, "/items.create", {"name": "a"})
    assert result.status_code == 500
    assert "serializ" in meta(result)["result_msg"]


def test_error_stack_is_returned_only_when_configured():
    client = fixture_client("basic", bindings, apiserver__return_stack=True)
    result = post(client, "/items.explode", {})
    assert "RuntimeError" in meta(result)["error_stack"]


def test_error_data_carries_the_named_values(client):
    result = post(client, "/items.create", {})
    assert meta(result)["error_data"] == {"missing": ["name"]}


def test_integral_floats_for_integer_fields_become_ints(client):
    received = post(client, "/items.create", {"name": "a", "size": 5.0}).json["data"]["received"]
    assert received["size"] == 5 and isinstance(received["size"], int)


def test_integers_beyond_64_bits_are_refused(client):
    result = post(client, "/items.create", {"name": "a", "size": 2**70})
    assert (result.status_code, meta(result)["result_subcode"]) == (400, 12)
    assert "size" in meta(result)["result_msg"]
