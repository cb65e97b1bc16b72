"""POST|PATCH /api/jobs/tag_job/{id}: tags created on demand, linked once."""

from __future__ import annotations

from tests.integration.jobs.conftest import JobsAPI, error, login


def tag(api, job_id, tags, method="POST"):
    return api.request(method, f"/api/jobs/tag_job/{job_id}", tags)


def test_tagging_answers_the_job_with_its_tags_in_order(api):
    job_id = api.start(tags=[{"type": "a", "name": "first"}])
    result = tag(api, job_id, [{"type": "Debug", "name": "Testjob"}, {"type": "", "name": ""}])
    assert result.status_code == 200, result.text
    answer = result.json
    assert answer["id"] == job_id and answer["jobState"] == "running"
    assert [(t["type"], t["name"]) for t in answer["tags"]] == [
        ("a", "first"), ("Debug", "Testjob"), ("", "")]
    assert all(isinstance(t["id"], int) for t in answer["tags"])
    assert answer["duration"] > 0  # a running job reports the time since its start
    assert api.list().json["jobs"][0]["tags"] == answer["tags"]


def test_tagging_is_idempotent(api):
    job_id = api.start()
    first = tag(api, job_id, [{"type": "t", "name": "n"}]).json["tags"]
    again = tag(api, job_id, [{"type": "t", "name": "n"}, {"type": "t", "name": "n"}], "PATCH")
    assert again.status_code == 200 and again.json["tags"] == first


def test_tags_are_shared_between_jobs(api):
    one, two = api.start(), api.start(jobId=2)
    first = tag(api, one, [{"type": "t", "name": "n"}]).json["tags"]
    assert tag(api, two, [{"type": "t", "name": "n"}]).json["tags"] == first


def test_an_empty_list_changes_nothing(api):
    job_id = api.start()
    assert tag(api, job_id, []).json["tags"] == []


def test_a_stopped_job_can_be_tagged(api):
    job_id = api.start()
    api.request("POST", f"/api/jobs/stop_job/{job_id}", {"stopTime": 1649763839})
    result = tag(api, job_id, [{"type": "t", "name": "n"}])
    assert result.json["jobState"] == "completed" and result.json["duration"] == 40027


def test_a_missing_job_is_404(api):
    result = tag(api, 5, [{"type": "t", "name": "n"}])
    assert error(result, 404) == "finding job failed: no such job"
    assert result.json["status"] == "Not Found"


def test_bad_ids_and_bodies_are_400(api):
    job_id = api.start()
    assert error(tag(api, "one", []), 400).startswith("integer expected in path for id")
    assert error(tag(api, job_id, {"type": "t", "name": "n"}), 400).startswith(
        "parsing request body failed")
    assert error(tag(api, job_id, [{"type": "t", "name": "n", "scope": "x"}]), 400)
    assert error(tag(api, job_id, [{"type": 1, "name": "n"}]), 400)
    assert error(api.request("POST", f"/api/jobs/tag_job/{job_id}", raw=b""), 400)


def test_another_companys_job_is_not_found(server, api):
    job_id = api.start()
    other = JobsAPI(server, login(server, company="other"))
    assert error(tag(other, job_id, []), 404)
