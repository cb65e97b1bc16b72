"""The REST adapter over the real jobs schemas, with recording handlers (no stores)."""

from __future__ import annotations

from typing import Any

import falcon
import pytest
from falcon.testing import TestClient
from openapi_spec_validator import validate

from apiserver.app import dispatch_settings, load_compiled
from apiserver.auth import Identity
from apiserver.errors import BindingError
from apiserver.openapi import build_openapi
from apiserver.registry import Binding, EndpointRegistry
from apiserver.rest import RestRoute, add_rest_routes
from endpoints.jobs_domain import rest_routes
from tests.conftest import authenticator, make_config, token

API = Identity(user="u9", company="c1", role="api", user_name="adapter", company_name="Acme")
ADMIN = Identity(user="u2", company="c1", role="admin", user_name="Bob", company_name="Acme")
JOB = {"id": 1, "jobId": 1, "user": "u", "project": "", "cluster": "fritz", "subCluster": "main",
       "partition": "", "arrayJobId": 0, "numNodes": 1, "numHwthreads": 0, "numAcc": 0,
       "exclusive": 1, "monitoringStatus": 1, "smt": 0, "jobState": "completed",
       "duration": 10, "walltime": 0, "resources": [{"hostname": "h"}], "metaData": None,
       "startTime": 5, "tags": []}
ANSWERS: dict[str, Any] = {
    "jobs.get_jobs": {"jobs": [], "items": 0, "page": 1},
    "jobs.start_job": {"id": 7},
    "jobs.stop_job": JOB, "jobs.stop_job_by_id": JOB, "jobs.tag_job": JOB,
    "jobs.delete_job": {"msg": "ok"}, "jobs.delete_job_by_id": {"msg": "ok"},
    "jobs.delete_job_before": {"msg": "ok"},
}


@pytest.fixture(scope="module")
def registry_and_calls():
    compiled = load_compiled(make_config())
    calls: list[tuple[str, dict[str, Any]]] = []

    def handler_for(name):
        def handler(call):
            calls.append((name, call.data))
            return ANSWERS[name]
        return handler

    bindings = [Binding(name, "1.0", handler_for(name)) for name in ANSWERS]
    bindings += [Binding(a.name, str(a.versions[0].version), lambda call: {})
                 for a in compiled.schemas.actions() if a.name not in ANSWERS]
    return EndpointRegistry(compiled, bindings), calls


@pytest.fixture
def client(registry_and_calls):
    registry, calls = registry_and_calls
    calls.clear()
    app = falcon.App()
    add_rest_routes(app, registry, authenticator(), rest_routes(), None,
                    dispatch_settings(make_config()))
    return TestClient(app, headers={"X-Auth-Token": token(API)})


@pytest.fixture
def calls(registry_and_calls):
    return registry_and_calls[1]


def body_of(result, status):
    assert result.status_code == status, result.text
    assert set(result.json) == {"status", "error"}
    return result.json["error"]


def test_a_route_builds_the_request_from_path_and_body_and_answers_its_status(client, calls):
    result = client.simulate_post("/api/jobs/stop_job/12", json={"stopTime": 20})
    assert result.status_code == 200 and result.json == JOB
    assert calls == [("jobs.stop_job_by_id", {"id": 12, "stopTime": 20, "jobState": "completed"})]
    assert client.simulate_put("/api/jobs/start_job", json={"jobId": 1, "startTime": 2}
                               ).status_code == 201


def test_both_slash_forms_are_served(client):
    for path in ("/api/jobs/", "/api/jobs", "/api/jobs/delete_job_before/3",
                 "/api/jobs/delete_job_before/3/"):
        method = "GET" if path.startswith("/api/jobs/delete") is False else "DELETE"
        assert client.simulate_request(method, path).status_code == 200, path


def test_query_parameters_are_typed_and_repeatable(client, calls):
    client.simulate_get("/api/jobs/", query_string="state=running&state=failed&page=2"
                        "&items-per-page=3&with-metadata&cluster=fritz&cluster=other")
    assert calls[-1][1] == {"state": ["running", "failed"], "page": 2, "items-per-page": 3,
                            "with-metadata": True, "cluster": "fritz"}
    client.simulate_get("/api/jobs/", query_string="with-metadata=false")
    assert calls[-1][1]["with-metadata"] is False
    client.simulate_get("/api/jobs/")
    assert calls[-1][1] == {"page": 1, "items-per-page": 25, "with-metadata": False}


@pytest.mark.parametrize(("query", "message"), [
    ("foo=1", "invalid query parameter: foo"),
    ("state=sleeping", "invalid query parameter value: state"),
    ("page=abc", "invalid query parameter value: page"),
    ("page=0", "invalid query parameter value: page"),
    ("items-per-page=0", "invalid query parameter value: items-per-page"),
    ("start-time=5", "invalid query parameter value: start-time"),
    ("start-time=-5-6", "invalid query parameter value: start-time"),
])
def test_bad_query_parameters_are_400_naming_them(client, query, message):
    assert body_of(client.simulate_get("/api/jobs/", query_string=query), 400).startswith(message)


@pytest.mark.parametrize(("body", "message"), [
    (b"", "parsing request body failed: empty body"),
    (b"{", "parsing request body failed: "),
    (b"[1]", "parsing request body failed: expected a JSON object"),
    (b'{"jobId": 1, "startTime": 1, "bogus": 1}', "parsing request body failed: "),
    (b'{"jobId": "1", "startTime": 1}', "parsing request body failed: jobId: "),
    (b'{"jobId": 1.5, "startTime": 1}', "parsing request body failed: jobId: "),
    (b'{"jobId": 1, "startTime": 1, "numNodes": 2147483648}', "parsing request body failed: "),
    (b'{"jobId": 1, "startTime": 1, "smt": 4}', "parsing request body failed: smt: "),
    (b'{"jobId": 1, "startTime": 1, "exclusive": 3}', "parsing request body failed: "),
    (b'{"jobId": 1, "startTime": 1, "resources": [{"hostname": "h", "x": 1}]}',
     "parsing request body failed: resources[0]: "),
    (b'{"startTime": 1}', "the field 'jobId' is required"),
    (b'{"jobId": 99999999999999999999, "startTime": 1}', "parsing request body failed: "),
])
def test_bad_bodies_are_400(client, body, message):
    result = client.simulate_post("/api/jobs/start_job/", body=body,
                                  headers={"Content-Type": "application/json"})
    assert body_of(result, 400).startswith(message)


def test_bad_path_integers_are_400(client):
    message = body_of(client.simulate_delete("/api/jobs/delete_job/abc"), 400)
    assert message.startswith("integer expected in path for id: ")
    message = body_of(client.simulate_delete("/api/jobs/delete_job_before/1.5"), 400)
    assert message.startswith("integer expected in path for ts: ")


def test_a_path_field_in_the_body_is_an_unknown_field(client):
    result = client.simulate_post("/api/jobs/stop_job/3", json={"id": 4, "stopTime": 5})
    assert "unknown field 'id'" in body_of(result, 400)


def test_tag_bodies_are_arrays_of_type_and_name(client, calls):
    tags = [{"type": "Debug", "name": "Testjob"}]
    assert client.simulate_patch("/api/jobs/tag_job/4", json=tags).status_code == 200
    assert calls[-1] == ("jobs.tag_job", {"id": 4, "tags": tags})
    assert body_of(client.simulate_post("/api/jobs/tag_job/4", json={"type": "a"}), 400)
    message = body_of(client.simulate_post("/api/jobs/tag_job/4", json=[{"type": "a"}]), 400)
    assert message == "the field '[0].name' is required"


def test_missing_and_invalid_credentials_are_401_json(client):
    for headers in ({"X-Auth-Token": ""}, {"X-Auth-Token": "garbage"},
                    {"X-Auth-Token": "", "Authorization": "Basic a2V5MTpzZWNyZXQx"},
                    {"X-Auth-Token": "", "Authorization": "Bearer x.y.z"},
                    {"X-Auth-Token": "", "Authorization": "Bearer"}):
        result = client.simulate_get("/api/jobs/", headers=headers)
        assert result.json["status"] == "Unauthorized"
        body_of(result, 401)


def test_bearer_authorization_is_accepted(client):
    result = client.simulate_get("/api/jobs/", headers={
        "X-Auth-Token": "", "Authorization": f"Bearer {token(API)}"})
    assert result.status_code == 200


def test_a_role_other_than_api_is_403_before_the_body_is_read(client, calls):
    result = client.simulate_post("/api/jobs/start_job/", body=b"{",
                                  headers={"X-Auth-Token": token(ADMIN)})
    assert body_of(result, 403) == "missing role: api"
    assert result.json["status"] == "Forbidden" and not calls


def test_credentials_are_checked_before_parameters(client):
    result = client.simulate_delete("/api/jobs/delete_job/abc", headers={"X-Auth-Token": ""})
    body_of(result, 401)


def test_a_wrong_method_is_405_json_with_allow(client):
    result = client.simulate_get("/api/jobs/start_job/")
    assert body_of(result, 405).startswith("GET is not allowed")
    assert result.headers["allow"] == "OPTIONS, POST, PUT"
    assert client.simulate_delete("/api/jobs/").status_code == 405
    assert client.simulate_put("/api/jobs/tag_job/1", json=[]).status_code == 405
    assert client.simulate_options("/api/jobs/tag_job/1").status_code == 200


def test_unknown_paths_under_api_are_404_json(client):
    assert body_of(client.simulate_get("/api/jobs/nothing"), 404)
    assert body_of(client.simulate_post("/api/other"), 404)


def test_a_route_to_an_unserved_action_fails_at_start_up(registry_and_calls):
    registry, _ = registry_and_calls
    route = RestRoute(("GET",), "/api/x/", "jobs.nothing", "1.0")
    with pytest.raises(BindingError, match=r"jobs\.nothing"):
        add_rest_routes(falcon.App(), registry, authenticator(), [route], None,
                        dispatch_settings(make_config()))


def test_openapi_document_with_rest_routes_validates(registry_and_calls):
    registry, _ = registry_and_calls
    document = build_openapi(registry, rest_routes=rest_routes())
    validate(document)
    paths = document["paths"]
    assert set(paths["/api/jobs/start_job/"]) == {"post", "put"}
    assert "201" in paths["/api/jobs/start_job/"]["post"]["responses"]
    assert set(paths["/api/jobs/tag_job/{id}"]) == {"post", "patch"}
    tag = paths["/api/jobs/tag_job/{id}"]["post"]
    assert tag["requestBody"]["content"]["application/json"]["schema"]["type"] == "array"
    assert tag["parameters"][0]["name"] == "id" and tag["parameters"][0]["in"] == "path"
    names = [p["name"] for p in paths["/api/jobs/"]["get"]["parameters"]]
    assert names == ["state", "cluster", "start-time", "page", "items-per-page", "with-metadata"]
    stop = paths["/api/jobs/stop_job/{id}"]["post"]["requestBody"]["content"]
    assert "id" not in stop["application/json"]["schema"]["properties"]
