"""The jobs routes over a real HTTP server: bodies on DELETE, status codes, JSON errors."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from tests.integration.jobs.conftest import job


def send(live, method, path, body=None, headers=None):
    address = urlsplit(live)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        data = None if body is None else json.dumps(body).encode()
        connection.request(method, path, body=data, headers={
            "Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), json.loads(response.read())
    finally:
        connection.close()


def test_the_jobs_lifecycle_over_http(live, api):
    auth = {"X-Auth-Token": api.token}
    status, content_type, body = send(live, "POST", "/api/jobs/start_job", job(), auth)
    assert (status, body) == (201, {"id": 1}) and content_type.startswith("application/json")
    status, _, body = send(live, "PUT", "/api/jobs/stop_job/", {
        "jobId": 123000, "stopTime": job()["startTime"] + 60}, auth)
    assert status == 200 and body["duration"] == 60
    status, _, body = send(live, "DELETE", "/api/jobs/delete_job/", {"jobId": 123000}, auth)
    assert (status, body) == (200, {"msg": "Successfully deleted job 1"})


def test_errors_over_http_are_json(live, api):
    status, content_type, body = send(live, "GET", "/api/jobs/")
    assert status == 401 and content_type.startswith("application/json")
    assert body["status"] == "Unauthorized"
    status, _, body = send(live, "GET", "/api/jobs/start_job/", headers={
        "X-Auth-Token": api.token})
    assert status == 405 and body["status"] == "Method Not Allowed"
