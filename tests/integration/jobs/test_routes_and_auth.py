"""Every jobs route: authentication (401), the api role (403), methods (405), the docs."""

from __future__ import annotations

import time

import jwt
import pytest
from openapi_spec_validator import validate

from tests.conftest import SECRET
from tests.integration.jobs.conftest import JobsAPI, error, job, login

ROUTES = [
    ("GET", "/api/jobs/", None),
    ("POST", "/api/jobs/start_job/", job()),
    ("POST", "/api/jobs/stop_job/", {"jobId": 1, "stopTime": 5}),
    ("POST", "/api/jobs/stop_job/1", {"stopTime": 5}),
    ("DELETE", "/api/jobs/delete_job/", {"jobId": 1}),
    ("DELETE", "/api/jobs/delete_job/1", None),
    ("DELETE", "/api/jobs/delete_job_before/1", None),
    ("POST", "/api/jobs/tag_job/1", []),
]


def expired_token(server) -> str:
    valid = jwt.decode(login(server), SECRET, algorithms=["HS256"])
    return jwt.encode({**valid, "exp": int(time.time()) - 10}, SECRET, algorithm="HS256")


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_needs_a_valid_token(server, method, path, body):
    anonymous = JobsAPI(server, None)
    result = anonymous.request(method, path, body)
    assert result.json["status"] == "Unauthorized"
    assert error(result, 401)
    forged = jwt.encode({"identity": {"user": "u", "company": "c", "role": "api"}}, "x" * 32)
    for token in ("not-a-jwt", forged, expired_token(server)):
        error(anonymous.request(method, path, body, token=token), 401)
        error(anonymous.request(method, path, body, token=token, bearer=True), 401)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("role", ["user", "admin", "root"])
def test_every_route_needs_the_api_role(server, method, path, body, role):
    other = JobsAPI(server, login(server, name=f"someone-{role}", role=role))
    result = other.request(method, path, body)
    assert error(result, 403) == "missing role: api"
    assert result.json["status"] == "Forbidden"


def test_a_bearer_token_works_like_x_auth_token(api):
    assert api.request("GET", "/api/jobs/", bearer=True).status_code == 200


def test_a_revoked_token_is_refused(server, api):
    server.client.simulate_post("/auth.logout", headers={"Authorization": f"Bearer {api.token}"})
    error(api.request("GET", "/api/jobs/"), 401)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/jobs/start_job/"), ("DELETE", "/api/jobs/stop_job/1"),
    ("PUT", "/api/jobs/tag_job/1"), ("POST", "/api/jobs/"), ("GET", "/api/jobs/delete_job/1"),
    ("PATCH", "/api/jobs/delete_job_before/1"),
])
def test_a_wrong_method_is_405_with_a_json_body(api, method, path):
    result = api.request(method, path, [])
    assert error(result, 405)
    assert result.json["status"] == "Method Not Allowed" and "allow" in result.headers


def test_an_unknown_path_under_api_is_404_json(api):
    assert error(api.request("GET", "/api/jobs/unknown/"), 404)
    assert error(api.request("GET", "/api/nothing"), 404)


def test_the_jobs_actions_are_also_rpc_calls_with_the_same_role(server, api):
    api.start()
    result = server.client.simulate_post("/jobs.get_jobs", json={"items-per-page": 1},
                                         headers={"Authorization": f"Bearer {api.token}"})
    assert result.status_code == 200
    assert result.json["data"]["jobs"][0]["jobId"] == 123000
    other = login(server, name="plain", role="user")
    denied = server.client.simulate_post("/jobs.get_jobs", json={},
                                         headers={"Authorization": f"Bearer {other}"})
    assert denied.status_code == 403


def test_openapi_json_describes_the_rest_routes_and_validates(server):
    document = server.client.simulate_get("/openapi.json").json
    validate(document)
    paths = document["paths"]
    for method, path, _ in ROUTES:
        template = path.replace("/1", "/{id}").replace("before/{id}", "before/{ts}")
        assert method.lower() in paths[template], template
    assert "/v2.15/jobs.start_job" in paths
    page = server.client.simulate_get("/docs")
    assert page.status_code == 200
