"""POST /api/jobs/start_job/: checks, defaults, the duplicate window, tags."""

from __future__ import annotations

import threading

import pytest

from tests.integration.jobs.conftest import START, error, job, login

DAY = 86400


def stored(api, job_id):
    jobs = api.list({"with-metadata": "true", "items-per-page": -1}).json["jobs"]
    return next(j for j in jobs if j["id"] == job_id)


def test_start_answers_201_with_a_new_integer_id(api):
    result = api.request("POST", "/api/jobs/start_job/", job())
    assert result.status_code == 201 and result.json == {"id": 1}
    assert result.headers["content-type"].startswith("application/json")
    assert api.start(jobId=2) == 2


def test_the_stored_job_is_running_with_its_fields_and_derived_subcluster(api):
    job_id = api.start(jobState="completed", id=999, statistics={"x": {}})
    found = stored(api, job_id)
    assert found["id"] == job_id
    assert found["jobState"] == "running" and found["subCluster"] == "main"
    assert found["metaData"] == {"jobName": "test", "jobScript": "#!/bin/bash"}
    assert found["resources"] == [{"hostname": "f0101", "hwthreads": [0, 1, 2]}]
    assert found["startTime"] == START and found["tags"] == []
    assert "statistics" not in found


def test_omitted_fields_take_the_reference_defaults(api):
    body = {"jobId": 5, "user": "u", "cluster": "fritz", "numNodes": 1,
            "resources": [{"hostname": "x", "accelerators": [], "configuration": ""}],
            "startTime": START}
    result = api.request("PUT", "/api/jobs/start_job", body)
    assert result.status_code == 201, result.text
    found = stored(api, result.json["id"])
    assert (found["exclusive"], found["monitoringStatus"], found["smt"]) == (1, 1, 0)
    assert (found["project"], found["partition"], found["arrayJobId"]) == ("", "", 0)
    assert (found["numHwthreads"], found["numAcc"], found["walltime"]) == (0, 0, 0)
    assert found["resources"] == [{"hostname": "x"}]  # empty optional keys are left out
    assert found["metaData"] is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"cluster": "nowhere"}, "no such cluster: nowhere"),
    ({"subCluster": "gpu"},
     "ARCHIVE/CLUSTERCONFIG > already assigned subcluster gpu unknown (cluster: fritz)"),
    ({"resources": []}, "ARCHIVE/CLUSTERCONFIG > job without any resources/hosts"),
    ({"user": ""}, "'resources' and 'user' should not be empty"),
    ({"numNodes": 0, "resources": [{"hostname": "a"}]},
     "'numNodes', 'numAcc' or 'numHWThreads' invalid"),
    ({"numAcc": -1}, "'numNodes', 'numAcc' or 'numHWThreads' invalid"),
    ({"numHwthreads": -1}, "'numNodes', 'numAcc' or 'numHWThreads' invalid"),
    ({"numNodes": 2}, "len(resources) does not equal numNodes (1 vs 2)"),
])
def test_sanity_checks_fail_with_400_and_the_reference_message(api, overrides, message):
    result = api.request("POST", "/api/jobs/start_job/", job(**overrides))
    assert error(result, 400) == message
    assert result.json["status"] == "Bad Request"


def test_an_empty_resource_list_with_a_given_subcluster_fails_the_user_check(api):
    result = api.request("POST", "/api/jobs/start_job/", job(subCluster="main", resources=[]))
    assert error(result, 400) == "'resources' and 'user' should not be empty"


@pytest.mark.parametrize("overrides", [
    {"bogus": 1}, {"jobId": "1"}, {"numNodes": 1.5}, {"numNodes": 2**31}, {"smt": 4},
    {"exclusive": 3}, {"monitoringStatus": 4}, {"jobState": "sleeping"},
    {"resources": [{"hostname": "a", "extra": 1}]}, {"metaData": {"a": 1}},
    {"tags": [{"type": "a"}]}, {"startTime": -1},
])
def test_malformed_bodies_are_400(api, overrides):
    message = error(api.request("POST", "/api/jobs/start_job/", job(**overrides)), 400)
    assert message.startswith(("parsing request body failed: ", "the field "))


def test_an_empty_body_is_400(api):
    assert error(api.request("POST", "/api/jobs/start_job/", raw=b""), 400)


def test_subclusters_are_chosen_by_node_list(clusters_api):
    api = clusters_api
    host = lambda name: {"resources": [{"hostname": name}]}  # noqa: E731
    a40 = api.start(cluster="alex", jobId=1, **host("a0512"))
    a100 = api.start(cluster="alex", jobId=2, **host("a0601"))
    given = api.start(cluster="alex", jobId=3, subCluster="a100", **host("a0401"))
    jobs = {j["id"]: j["subCluster"] for j in api.list().json["jobs"]}
    assert jobs == {a40: "a40", a100: "a100", given: "a100"}
    result = api.request("POST", "/api/jobs/start_job/", job(cluster="alex", **host("z1")))
    assert error(result, 400) == ("ARCHIVE/CLUSTERCONFIG > no subcluster found for cluster "
                                  "alex and host z1")


@pytest.mark.parametrize(("offset", "status"), [
    (0, 422),            # same start
    (-3600, 422),        # the existing job started an hour before the new one
    (-DAY + 1, 422),     # just under a day before
    (7 * DAY, 422),      # the existing job started after the new one (the window is signed)
    (-DAY, 201),         # a full day before
    (-30 * DAY, 201),
])
def test_duplicates_are_refused_within_a_signed_day(api, offset, status):
    first = api.start(startTime=START + offset)
    result = api.request("POST", "/api/jobs/start_job/", job())
    assert result.status_code == status, result.text
    if status == 422:
        assert result.json == {
            "status": "Unprocessable Entity",
            "error": f"a job with that jobId, cluster and startTime already exists: dbid: {first}",
        }


def test_the_duplicate_rule_keys_on_job_id_cluster_and_company(clusters_server, clusters_api):
    clusters_api.start()
    clusters_api.start(jobId=123001)
    clusters_api.start(cluster="alex", resources=[{"hostname": "a0401"}])
    stopped = clusters_api.request("POST", "/api/jobs/stop_job/1", {"stopTime": START + 10})
    assert stopped.status_code == 200
    again = clusters_api.request("POST", "/api/jobs/start_job/", job())
    assert again.status_code == 422  # any state counts
    other = type(clusters_api)(clusters_server, login(clusters_server, company="other"))
    assert other.start() > 0


def test_concurrent_starts_of_one_job_insert_it_once(server, api):
    results = []

    def start():
        results.append(api.request("POST", "/api/jobs/start_job/", job()).status_code)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [201] + [422] * 5
    assert api.list().json["items"] == 1


def test_starts_racing_through_separate_apps_insert_the_job_once(server, api, compiled):
    """Two apps with their own store clients stand in for two gunicorn workers."""
    from falcon.testing import TestClient

    from apiserver.app import create_app
    from endpoints import build_runtime

    runtime = build_runtime(server.config, compiled.schemas)
    try:
        second = TestClient(create_app(server.config, compiled=compiled, runtime=runtime))
        clients = [server.client, second] * 4
        results = []

        def start(client):
            results.append(client.simulate_post(
                "/api/jobs/start_job/", json=job(), headers={"X-Auth-Token": api.token},
            ).status_code)

        threads = [threading.Thread(target=start, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        # NOTE: mongoengine aliases are per process and shared with the fixture's runtime.
        runtime.stores.redis.close()
        runtime.stores.elastic.close()
    assert sorted(results) == [201] + [422] * 7


def test_tags_given_at_start_are_created_once_and_shared(api):
    tags = [{"type": "Debug", "name": "Testjob"}, {"type": "Debug", "name": "Testjob"},
            {"type": "site", "name": "x", "id": 77}]
    first = api.start(tags=tags)
    second = api.start(jobId=2, tags=tags[:1])
    one, two = stored(api, first)["tags"], stored(api, second)["tags"]
    assert [(t["type"], t["name"]) for t in one] == [("Debug", "Testjob"), ("site", "x")]
    assert two == one[:1] and one[0]["id"] != one[1]["id"]
