"""DELETE /api/jobs/delete_job/, /api/jobs/delete_job/{id} and /delete_job_before/{ts}."""

from __future__ import annotations

from tests.integration.jobs.conftest import START, JobsAPI, error, login

DAY = 86400


def ids(api):
    return sorted(j["id"] for j in api.list({"items-per-page": -1}).json["jobs"])


def test_delete_by_id_removes_the_job_whatever_its_state(api):
    first, second = api.start(), api.start(jobId=2)
    result = api.request("DELETE", f"/api/jobs/delete_job/{first}")
    assert result.status_code == 200 and result.json == {"msg": f"Successfully deleted job {first}"}
    assert ids(api) == [second]


def test_delete_by_id_of_a_missing_job_is_422(api):
    result = api.request("DELETE", "/api/jobs/delete_job/77/")
    assert error(result, 422) == "finding job failed: no such job"


def test_delete_by_id_needs_an_integer(api):
    assert error(api.request("DELETE", "/api/jobs/delete_job/x"), 400).startswith(
        "integer expected in path for id")


def test_delete_by_request_answers_the_database_id(api):
    api.start()
    target = api.start(jobId=7, cluster="fritz")
    body = {"jobId": 7, "cluster": "fritz", "startTime": START}
    result = api.request("DELETE", "/api/jobs/delete_job/", body)
    assert result.status_code == 200
    assert result.json == {"msg": f"Successfully deleted job {target}"}
    assert ids(api) == [1]


def test_delete_by_request_takes_the_newest_of_several_matches(api):
    old = api.start(startTime=START - 3 * DAY)
    new = api.start()
    assert api.request("DELETE", "/api/jobs/delete_job", {"jobId": 123000}).status_code == 200
    assert ids(api) == [old] and new > old


def test_delete_by_request_errors(api):
    api.start()
    assert error(api.request("DELETE", "/api/jobs/delete_job/", {"cluster": "fritz"}),
                 400) == "the field 'jobId' is required"
    assert error(api.request("DELETE", "/api/jobs/delete_job/", {"jobId": 1, "x": 1}), 400)
    assert error(api.request("DELETE", "/api/jobs/delete_job/", raw=b""), 400)
    result = api.request("DELETE", "/api/jobs/delete_job/", {"jobId": 123000, "startTime": 5})
    assert error(result, 422) == "finding job failed: no such job"


def test_delete_before_removes_earlier_starts_only(api):
    api.start(startTime=START - 2 * DAY)
    api.start(jobId=2, startTime=START - DAY)
    keep = api.start(jobId=3, startTime=START)
    result = api.request("DELETE", f"/api/jobs/delete_job_before/{START}")
    assert result.status_code == 200 and result.json == {"msg": "Successfully deleted 2 jobs"}
    assert ids(api) == [keep]
    again = api.request("DELETE", f"/api/jobs/delete_job_before/{START}/")
    assert again.json == {"msg": "Successfully deleted 0 jobs"}
    assert error(api.request("DELETE", "/api/jobs/delete_job_before/soon"), 400).startswith(
        "integer expected in path for ts")


def test_deletes_touch_only_the_callers_company(server, api):
    job_id = api.start()
    other = JobsAPI(server, login(server, company="other"))
    other.start()
    assert error(other.request("DELETE", f"/api/jobs/delete_job/{job_id}"), 422)
    assert other.request("DELETE", f"/api/jobs/delete_job_before/{START + 1}").json == {
        "msg": "Successfully deleted 1 jobs"}
    assert ids(api) == [job_id]


def test_deleting_a_job_keeps_its_tags(api):
    tagged = api.start(tags=[{"type": "t", "name": "n"}])
    api.request("DELETE", f"/api/jobs/delete_job/{tagged}")
    other = api.start(jobId=9)
    result = api.request("POST", f"/api/jobs/tag_job/{other}", [{"type": "t", "name": "n"}])
    assert result.json["tags"][0]["id"] == 1  # the same tag, still there
