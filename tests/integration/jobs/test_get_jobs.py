"""GET /api/jobs/: filters, paging, metadata, order."""

from __future__ import annotations

import time

import pytest

from tests.integration.jobs.conftest import START, JobsAPI, error, login

DAY = 86400


@pytest.fixture
def four(api):
    """Four jobs: two started at START (ids 1, 2), one a day later, one stopped a day before."""
    a = api.start(jobId=1)
    b = api.start(jobId=2)
    c = api.start(jobId=3, startTime=START + DAY)
    d = api.start(jobId=4, startTime=START - DAY)
    api.request("POST", f"/api/jobs/stop_job/{d}", {"stopTime": START, "jobState": "failed"})
    return a, b, c, d


def ids(result):
    assert result.status_code == 200, result.text
    return [j["id"] for j in result.json["jobs"]]


def test_jobs_come_newest_first_and_ties_by_newest_id(api, four):
    a, b, c, d = four
    result = api.list()
    assert ids(result) == [c, b, a, d]
    assert result.json["items"] == 4 and result.json["page"] == 1


def test_an_empty_listing(api):
    assert api.list().json == {"jobs": [], "items": 0, "page": 1}


def test_state_filters_repeat(api, four):
    a, b, c, d = four
    assert ids(api.list({"state": "failed"})) == [d]
    assert ids(api.list("state=failed&state=running")) == [c, b, a, d]
    assert ids(api.list({"state": "completed"})) == []


def test_cluster_and_start_time_filters(api, four):
    a, b, c, d = four
    assert ids(api.list({"cluster": "fritz"})) == [c, b, a, d]
    assert ids(api.list({"cluster": "alex"})) == []
    assert ids(api.list({"start-time": f"{START}-{START + DAY}"})) == [c, b, a]
    assert ids(api.list({"start-time": f"{START - DAY}-{START - 1}"})) == [d]
    assert ids(api.list({"start-time": f"{START + 1}-{START}"})) == []


def test_paging(api, four):
    a, b, c, d = four
    first = api.list({"items-per-page": 3})
    assert ids(first) == [c, b, a] and first.json["items"] == 3
    second = api.list({"items-per-page": 3, "page": 2})
    assert ids(second) == [d] and second.json == {**second.json, "items": 1, "page": 2}
    assert ids(api.list({"items-per-page": 3, "page": 3})) == []
    assert ids(api.list({"items-per-page": -1})) == [c, b, a, d]


def test_metadata_only_when_asked_for(api, four):
    assert all(j["metaData"] is None for j in api.list().json["jobs"])
    for value in ("", "true", "1", "yes"):
        jobs = api.list(f"with-metadata={value}").json["jobs"]
        assert jobs[0]["metaData"] == {"jobName": "test", "jobScript": "#!/bin/bash"}
    assert api.list("with-metadata=false").json["jobs"][0]["metaData"] is None


def test_running_jobs_report_the_time_since_their_start(api):
    now = int(time.time())
    api.start(startTime=now - 100)
    listed = api.list().json["jobs"][0]
    assert 100 <= listed["duration"] <= 160


@pytest.mark.parametrize(("query", "message"), [
    ("bogus=1", "invalid query parameter: bogus"),
    ("State=running", "invalid query parameter: State"),
    ("state=sleeping", "invalid query parameter value: state"),
    ("start-time=1", "invalid query parameter value: start-time"),
    ("start-time=a-b", "invalid query parameter value: start-time"),
    ("start-time=9999999999999999999-1", "invalid query parameter value: start-time: out of"),
    ("page=x", "invalid query parameter value: page"),
    ("page=0", "invalid query parameter value: page"),
    ("items-per-page=0", "invalid query parameter value: items-per-page"),
    ("items-per-page=-2", "invalid query parameter value: items-per-page"),
])
def test_bad_parameters_are_400(api, query, message):
    assert error(api.list(query), 400).startswith(message)


def test_only_the_callers_company_is_listed(server, api):
    api.start()
    other = JobsAPI(server, login(server, company="other"))
    assert other.list().json["jobs"] == []
    other.start()
    assert len(api.list().json["jobs"]) == 1
