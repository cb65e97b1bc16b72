"""The version-pinning Python client against a live server."""

from __future__ import annotations

import pytest

from apiserver.client import APIClient, APIClientError

pytestmark = pytest.mark.integration


def test_client_pins_its_version_in_every_path(server, live):
    credential = server.credential()
    for version in ("2.4", "2.13"):
        client = APIClient(live, credential.access_key, credential.secret_key, version=version)
        response = client.call("server.info")
        assert response.meta["endpoint"]["requested_version"] == version
        assert response.data["api_version"] == "2.15"


def test_client_raises_typed_errors_with_code_subcode_and_message(server, live):
    credential = server.credential()
    client = APIClient(live, credential.access_key, credential.secret_key)
    with pytest.raises(APIClientError) as info:
        client.call("nope.nothing")
    assert (info.value.code, info.value.subcode) == (404, 0)
    with pytest.raises(APIClientError) as info:
        client.call("notes.create")
    assert (info.value.code, info.value.subcode) == (400, 11)
    assert "text" in info.value.message


def test_wrong_credentials_fail_the_login(server, live):
    client = APIClient(live, "NOPE", "nope")
    with pytest.raises(APIClientError) as info:
        client.call("notes.get_all")
    assert (info.value.code, info.value.subcode) == (401, 22)


def test_client_logs_in_again_when_its_token_is_refused(server, live):
    credential = server.credential()
    client = APIClient(live, credential.access_key, credential.secret_key)
    client.call("notes.create", text="one")
    first = client._token
    client.call("auth.logout")  # revokes the session of the token in use
    assert client.call("notes.get_all").data["notes"][0]["text"] == "one"
    assert client._token != first


def test_unreachable_server_is_a_client_error_with_code_0():
    client = APIClient("http://127.0.0.1:9", "k", "s", timeout=2)
    with pytest.raises(APIClientError) as info:
        client.call("debug.ping")
    assert info.value.code == 0


def test_client_uploads_a_10000_event_file_in_batches_with_progress(server, live, tmp_path):
    import io
    import json
    import uuid
    from datetime import UTC, datetime

    credential = server.credential()
    task = uuid.uuid4().hex
    server.runtime.stores.mongo("backend")["task"].insert_one({
        "_id": task, "company": credential.company, "name": "upload", "status": "in_progress",
        "last_iteration": 0, "last_update": datetime.now(UTC).replace(tzinfo=None),
    })
    path = tmp_path / "events.jsonl"
    with path.open("w") as out:
        for i in range(10_000):
            out.write(json.dumps({"type": "training_stats_scalar", "task": task, "iter": i,
                                  "metric": "loss", "variant": "train", "value": i / 10,
                                  "timestamp": 1_700_000_000_000 + i}) + "\n")
        out.write(json.dumps({"type": "nonsense", "task": task}) + "\n")
    progress = io.StringIO()
    client = APIClient(live, credential.access_key, credential.secret_key, version="2.4")
    result = client.upload_events(path, batch_size=2_500, progress=progress)
    assert (result.added, result.errors, result.batches) == (10_000, 1, 5)
    assert "10001/10001 events" in progress.getvalue()
    histogram = client.call("events.scalar_metrics_iter_histogram", task=task, samples=0).data
    assert len(histogram["loss"]["train"]["x"]) == 10_000


def test_client_iterates_get_all_ex_across_scroll_pages(server, live):
    credential = server.credential()
    client = APIClient(live, credential.access_key, credential.secret_key, version="2.4")
    created = {client.call("tasks.create", name=f"t{i:03d}", type="training").data["id"]
               for i in range(230)}
    seen = [task["id"] for task in client.iter_all("tasks.get_all_ex", "tasks", size=100,
                                                   only_fields=["id", "name"])]
    assert len(seen) == len(created) == 230
    assert set(seen) == created


def test_upload_events_command_sends_a_file(server, live, tmp_path, capsys):
    import json
    import uuid
    from datetime import UTC, datetime

    from apiserver.cli import main

    credential = server.credential()
    task = uuid.uuid4().hex
    server.runtime.stores.mongo("backend")["task"].insert_one({
        "_id": task, "company": credential.company, "name": "cli", "status": "in_progress",
        "last_iteration": 0, "last_update": datetime.now(UTC).replace(tzinfo=None),
    })
    path = tmp_path / "events.jsonl"
    path.write_text("".join(
        json.dumps({"type": "log", "task": task, "msg": f"line {i}", "timestamp": 1000 + i})
        + "\n" for i in range(300)))
    assert main(["upload-events", str(path), "--url", live, "--access-key",
                 credential.access_key, "--secret-key", credential.secret_key,
                 "--batch-size", "100"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"added": 300, "errors": 0, "errors_info": {},
                                        "batches": 3}
    assert "300/300 events" in captured.err
