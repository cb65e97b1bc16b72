"""Extreme but valid inputs are answered without server errors."""

from __future__ import annotations

import pytest

from tests.integration.jobs.conftest import job

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)


@pytest.mark.parametrize("overrides", [
    {"jobId": INT64_MAX, "startTime": INT64_MAX, "walltime": INT64_MAX,
     "arrayJobId": INT64_MIN},
    {"jobId": INT64_MIN, "startTime": 0, "duration": 2**31 - 1},
    {"user": "\u0000\u2603", "project": "x" * 10000, "metaData": {"$where": "1", "a.b": ""},
     "tags": [{"type": "$t", "name": "a.b\u0000"}],
     "resources": [{"hostname": "h", "hwthreads": [INT64_MAX, INT64_MIN],
                    "accelerators": ["0000:00:00.0"], "configuration": "\u0000"}]},
])
def test_extreme_starts_and_stops_succeed(api, overrides):
    body = job(**overrides)
    result = api.request("POST", "/api/jobs/start_job/", body)
    assert result.status_code == 201, result.text
    job_id = result.json["id"]
    listed = api.list({"with-metadata": ""}).json["jobs"][0]
    assert listed["jobId"] == body["jobId"] and listed["metaData"] == body["metaData"]
    stop = api.request("POST", f"/api/jobs/stop_job/{job_id}", {"stopTime": INT64_MAX})
    assert stop.status_code in (200, 400), stop.text
    tagged = api.request("PATCH", f"/api/jobs/tag_job/{job_id}", [{"type": "\u2603", "name": ""}])
    assert tagged.status_code == 200, tagged.text


@pytest.mark.parametrize("query", [
    {"page": 2**31 - 1, "items-per-page": 2**31 - 1},
    {"start-time": f"0-{INT64_MAX}"},
    {"start-time": "0000000000000000000-0"},
    {"cluster": "\u0000"},
])
def test_extreme_listings_succeed(api, query):
    api.start()
    assert api.list(query).status_code == 200


@pytest.mark.parametrize("path", [
    f"/api/jobs/delete_job/{INT64_MAX}", f"/api/jobs/delete_job/{INT64_MIN}",
    f"/api/jobs/delete_job_before/{INT64_MIN}", f"/api/jobs/delete_job_before/{INT64_MAX}",
])
def test_extreme_path_integers_are_client_errors_or_success(api, path):
    api.start()
    assert api.request("DELETE", path).status_code in (200, 422)


@pytest.mark.parametrize("path", [
    f"/api/jobs/delete_job/{INT64_MAX + 1}", f"/api/jobs/delete_job_before/{INT64_MIN - 1}",
    "/api/jobs/delete_job/%00", "/api/jobs/delete_job/1e3", "/api/jobs/delete_job/+1",
])
def test_path_integers_out_of_range_are_400(api, path):
    assert api.request("DELETE", path).status_code == 400
