"""POST /api/jobs/stop_job/ and /api/jobs/stop_job/{id}: preconditions, duration, archiving."""

from __future__ import annotations

import pytest

from tests.integration.jobs.conftest import START, error

STOP = START + 40027


def by_id(api, job_id, **body):
    return api.request("POST", f"/api/jobs/stop_job/{job_id}", {"stopTime": STOP, **body})


def test_stop_by_id_answers_the_stopped_job_with_its_duration(api):
    job_id = api.start()
    result = by_id(api, job_id, jobState="failed")
    assert result.status_code == 200, result.text
    answer = result.json
    assert answer["id"] == job_id and answer["jobState"] == "failed"
    assert answer["duration"] == 40027 and answer["startTime"] == START  # epoch, not RFC 3339
    assert answer["monitoringStatus"] == 1  # archiving happens after the answer
    assert answer["metaData"] == {"jobName": "test", "jobScript": "#!/bin/bash"}


def test_the_state_defaults_to_completed_and_put_and_no_slash_work(api):
    job_id = api.start()
    result = api.request("PUT", f"/api/jobs/stop_job/{job_id}/", {"stopTime": STOP})
    assert result.status_code == 200 and result.json["jobState"] == "completed"


def test_a_stopped_job_is_archived_afterwards(api):
    job_id = api.start()
    by_id(api, job_id)
    listed = api.list().json["jobs"][0]
    assert listed["monitoringStatus"] == 3 and listed["duration"] == 40027
    assert "statistics" not in listed  # the default archiver has no metric data


def test_a_job_without_monitoring_is_not_archived(api):
    job_id = api.start(monitoringStatus=0)
    by_id(api, job_id)
    assert api.list().json["jobs"][0]["monitoringStatus"] == 0


def test_body_fields_naming_a_job_are_ignored_when_stopping_by_id(api):
    job_id = api.start()
    result = by_id(api, job_id, jobId=5, cluster="elsewhere", startTime=1)
    assert result.status_code == 200 and result.json["jobId"] == 123000


@pytest.mark.parametrize("stop_time", [START, START - 1])
def test_stop_time_must_be_after_the_start(api, stop_time):
    job_id = api.start()
    result = api.request("POST", f"/api/jobs/stop_job/{job_id}", {"stopTime": stop_time})
    assert error(result, 400) == ("stopTime must be larger than startTime and only running "
                                  "jobs can be stopped")


def test_only_running_jobs_can_be_stopped(api):
    job_id = api.start()
    assert by_id(api, job_id).status_code == 200
    message = error(by_id(api, job_id), 400)
    assert message.startswith("stopTime must be larger than startTime")


@pytest.mark.parametrize(("state", "message"), [
    ("running", "parsing request body failed: jobState: "),
    ("sleeping", "parsing request body failed: jobState: "),
])
def test_running_and_unknown_states_are_refused(api, state, message):
    job_id = api.start()
    assert error(by_id(api, job_id, jobState=state), 400).startswith(message)


def test_stop_time_is_required(api):
    job_id = api.start()
    result = api.request("POST", f"/api/jobs/stop_job/{job_id}", {"jobState": "failed"})
    assert error(result, 400) == "the field 'stopTime' is required"


def test_an_unknown_id_is_422(api):
    assert error(by_id(api, 41), 422) == "finding job failed: no such job"


def test_a_bad_id_or_body_is_400(api):
    assert error(by_id(api, "x1"), 400).startswith("integer expected in path for id")
    job_id = api.start()
    assert error(by_id(api, job_id, extra=1), 400).startswith("parsing request body failed")
    assert error(api.request("POST", f"/api/jobs/stop_job/{job_id}", raw=b"{}x"), 400)


def test_stop_by_request_names_the_job_by_job_id_cluster_and_start(api):
    api.start()
    body = {"jobId": 123000, "cluster": "fritz", "startTime": START, "stopTime": STOP,
            "jobState": "timeout"}
    result = api.request("POST", "/api/jobs/stop_job/", body)
    assert result.status_code == 200, result.text
    assert result.json["jobState"] == "timeout" and result.json["duration"] == 40027


@pytest.mark.parametrize("body", [
    {"jobId": 9, "stopTime": STOP},
    {"jobId": 123000, "cluster": "other", "stopTime": STOP},
    {"jobId": 123000, "startTime": START + 1, "stopTime": STOP},
])
def test_stop_by_request_without_a_match_is_422(api, body):
    api.start()
    result = api.request("POST", "/api/jobs/stop_job", body)
    assert error(result, 422) == "finding job failed: no such job"


def test_stop_by_request_needs_a_job_id(api):
    result = api.request("POST", "/api/jobs/stop_job/", {"stopTime": STOP})
    assert error(result, 400) == "the field 'jobId' is required"


def test_of_several_matches_the_running_one_then_the_newest_is_stopped(api):
    old = api.start(startTime=START - 10 * 86400)
    api.request("POST", f"/api/jobs/stop_job/{old}", {"stopTime": START - 9 * 86400})
    running = api.start()
    body = {"jobId": 123000, "stopTime": STOP}
    assert api.request("POST", "/api/jobs/stop_job/", body).json["id"] == running
    # both stopped now: the newest match is taken, and fails the precondition
    assert error(api.request("POST", "/api/jobs/stop_job/", body), 400)


def test_jobs_of_another_company_are_not_found(server, api):
    from tests.integration.jobs.conftest import JobsAPI, login

    job_id = api.start()
    other = JobsAPI(server, login(server, company="other"))
    assert error(by_id(other, job_id), 422)
    assert by_id(api, job_id).status_code == 200
