"""Concurrency over HTTP against a real gunicorn server with several worker processes."""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pymongo
import pytest

from apiserver.embedded import free_port
from tests.conftest import SECRET

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
KEY, SECRET_KEY = "CONCURRENCYKEY", "concurrency-secret"
THREADS = 8


class Client:
    """One keep-alive HTTP connection authenticating with Basic credentials."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        raw = base64.b64encode(f"{KEY}:{SECRET_KEY}".encode()).decode()
        self.headers = {"Authorization": f"Basic {raw}", "Content-Type": "application/json"}

    def call(self, action: str, **data) -> tuple[int, dict]:
        self.conn.request("POST", f"/{action}", body=json.dumps(data), headers=self.headers)
        response = self.conn.getresponse()
        body = json.loads(response.read())
        return response.status, body

    def ok(self, action: str, **data) -> dict:
        status, body = self.call(action, **data)
        assert status == 200, body
        return body["data"]


@pytest.fixture(scope="module")
def live(engines, tmp_path_factory):
    """A gunicorn server (4 sync workers) over the session engines, with fresh databases."""
    tag = uuid.uuid4().hex[:12]
    mongo = engines.url("mongo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("APISERVER")}
    env.update({
        "APISERVER__mongo__backend__host": f"{mongo}/c{tag}_backend",
        "APISERVER__mongo__auth__host": f"{mongo}/c{tag}_auth",
        "APISERVER__redis__url": f"{engines.url('redis')}/0",
        "APISERVER__elastic__hosts": json.dumps([engines.url("elastic")]),
        "APISERVER__elastic__compat_content_type": "false",
        "APISERVER__elastic__index_prefix": f"c{tag}_",
        "APISERVER__secure__auth__token_secret": SECRET,
        "APISERVER_ACCESS_KEY": KEY,
        "APISERVER_SECRET_KEY": SECRET_KEY,
    })
    port = free_port()
    log = tmp_path_factory.mktemp("live") / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "4", "--bind", f"127.0.0.1:{port}",
             "--chdir", str(ROOT), "--log-level", "warning", "apiserver.server:wsgi_app()"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if Client(port).call("debug.ping")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        client = pymongo.MongoClient(mongo)
        yield port, client[f"c{tag}_backend"]
        client.drop_database(f"c{tag}_backend")
        client.drop_database(f"c{tag}_auth")
        client.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_eight_threads_draining_1000_entries_get_each_exactly_once(live):
    port, db = live
    queue = Client(port).ok("queues.create", name="busy queue")["id"]
    tasks = [uuid.uuid4().hex for _ in range(1000)]
    start = datetime(2024, 1, 1)
    db["queue"].update_one({"_id": queue}, {"$set": {"entries": [
        {"task": t, "added": start + timedelta(milliseconds=i)} for i, t in enumerate(tasks)]}})

    def drain(_: int) -> list[str]:
        client, got = Client(port), []
        while True:
            entry = client.ok("queues.get_next_task", queue=queue).get("entry")
            if entry is None:
                return got
            got.append(entry["task"])

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(drain, range(THREADS)))
    handed_out = [task for got in results for task in got]
    assert len(handed_out) == len(tasks)
    assert sorted(handed_out) == sorted(tasks)
    assert sum(1 for got in results if got) > 1  # the work really was shared
    for got in results:  # each caller saw the queue in FIFO order
        assert got == sorted(got, key=tasks.index)
    assert db["queue"].find_one({"_id": queue})["entries"] == []


def test_concurrent_status_changes_never_lose_an_update(live):
    port, db = live
    client = Client(port)
    queue = client.ok("queues.create", name="race queue")["id"]
    task = client.ok("tasks.create", name="raced task", type="training")["id"]

    def enqueue(_: int) -> tuple[int, int]:
        status, body = Client(port).call("tasks.enqueue", task=task, queue=queue)
        return status, body["meta"]["result_subcode"]

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(enqueue, range(THREADS)))
    assert outcomes.count((200, 0)) == 1, outcomes
    assert set(outcomes) <= {(200, 0), (400, 121), (400, 706)}, outcomes
    assert [e["task"] for e in db["queue"].find_one({"_id": queue})["entries"]] == [task]

    # the same for taking it out again: one dequeue wins, the others see a changed status
    def dequeue(_: int) -> tuple[int, int]:
        status, body = Client(port).call("tasks.dequeue", task=task)
        return status, body["meta"]["result_subcode"]

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(dequeue, range(THREADS)))
    assert outcomes.count((200, 0)) == 1, outcomes
    assert set(outcomes) <= {(200, 0), (400, 121), (400, 110)}, outcomes
    final = client.ok("tasks.get_by_id", task=task)["task"]
    assert final["status"] == "created" and "queue" not in final.get("execution", {})
    assert db["queue"].find_one({"_id": queue})["entries"] == []
