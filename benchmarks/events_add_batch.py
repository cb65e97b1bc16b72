"""Events/s through ``events.add_batch`` against a direct bulk index into the same engine.

What is measured
    Scalar events per second, in batches of ``--batch`` (default 1,000) events, two ways,
    alternately, ``--rounds`` times each, over the same embedded osmem engine
    (``apiserver.embedded.start_engines``; SecantusDB and redis-server as the other stores):

    * ``add_batch`` - the full app in process, driven by Falcon's ``TestClient`` (no HTTP
      socket, no gunicorn): json-lines parsing, authentication, per-line schema validation,
      per-event checks and normalisation, the task lookup, one bulk request per batch and the
      task's ``last_iteration``/``last_metrics`` update.
    * ``direct bulk`` - ``elasticsearch.helpers.bulk`` of the same kind of documents as the
      server stores them (normalised, with ids made the same way), one ``helpers.bulk`` call
      per batch, into a twin index made from the same index template. Both sides refresh
      once per batch.

    The two alternate batch by batch, so background load and index growth hit both alike.
    Every batch carries new events (fresh iterations), so nothing is overwritten.

How to read the ratio
    The last line is ``ratio (add_batch / direct bulk)``: the server's events/s divided by the
    direct rate. The goal is at least 0.8.

Usage
    python benchmarks/events_add_batch.py [--batches N] [--batch SIZE] [--rounds R]
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from app_over_engines import app_over_engines
from elasticsearch import helpers

from apiserver.embedded import start_engines
from bll.events.indices import event_id

GOAL = 0.8


def events(task: str, first: int, count: int) -> list[dict[str, Any]]:
    """Scalar events of one batch, as the SDK sends them."""
    now = int(time.time() * 1000)
    return [{"timestamp": now, "type": "training_stats_scalar", "task": task, "iter": first + i,
             "metric": "loss", "variant": f"v{i % 10}", "value": (first + i) * 0.5,
             "method": "get"} for i in range(count)]


def stored(batch: list[dict[str, Any]], index: str) -> Iterator[dict[str, Any]]:
    """The documents the server stores for a batch, as bulk actions for ``helpers.bulk``."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    for event in batch:
        doc = {k: v for k, v in event.items() if k != "method"}
        doc.update({"@timestamp": stamp, "worker": "bench"})
        yield {"_index": index, "_id": event_id(doc), "_source": doc}


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print events/s both ways and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", type=int, default=20, help="batches per round")
    parser.add_argument("--batch", type=int, default=1000, help="events per batch")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        engines = start_engines(data_dir, mongo_storage=":memory:")
        try:
            return run(engines, args.batches, args.batch, args.rounds)
        finally:
            engines.stop()


def run(engines: Any, batches: int, size: int, rounds: int) -> int:
    """Measure both ways alternately; print the medians and the ratio."""
    client, runtime = app_over_engines(engines)
    credential = runtime.users.create_credential("bench", "bench", "user")
    basic = base64.b64encode(f"{credential.access_key}:{credential.secret_key}".encode())
    login = client.simulate_get("/auth.login", headers={"Authorization": f"Basic {basic.decode()}"})
    headers = {"Authorization": f"Bearer {login.json['data']['token']}",
               "X-ClearML-Worker": "bench", "Content-Type": "application/json-lines"}
    task = uuid.uuid4().hex
    runtime.stores.mongo("backend")["task"].insert_one(
        {"_id": task, "company": credential.company, "name": "bench", "status": "in_progress",
         "last_iteration": 0})
    es = runtime.stores.elastic
    direct_index = f"bench_events-training_stats_scalar-direct{credential.company.lower()}"
    iteration = 0

    def send(body: bytes) -> float:
        start = time.perf_counter()
        result = client.simulate_post("/events.add_batch", body=body, headers=headers)
        elapsed = time.perf_counter() - start
        if result.status_code != 200 or result.json["data"]["added"] != size:
            raise SystemExit(f"add_batch failed: {result.text[:500]}")
        return elapsed

    def index(actions: list[dict[str, Any]]) -> float:
        start = time.perf_counter()
        ok, errors = helpers.bulk(es, actions, chunk_size=size, refresh=True)
        elapsed = time.perf_counter() - start
        if ok != size or errors:
            raise SystemExit(f"direct bulk failed: {errors}")
        return elapsed

    def one_round(count: int) -> tuple[float, float]:
        """Send ``count`` batches each way, alternating batch by batch; return both rates."""
        nonlocal iteration
        server_time = direct_time = 0.0
        for _ in range(count):
            body = b"\n".join(orjson.dumps(e) for e in events(task, iteration, size))
            actions = list(stored(events(task, iteration + size, size), direct_index))
            iteration += 2 * size
            server_time += send(body)
            direct_time += index(actions)
        return count * size / server_time, count * size / direct_time

    one_round(1)  # warm-up
    server_runs, direct_runs = [], []
    for number in range(rounds):
        server, direct = one_round(batches)
        server_runs.append(server)
        direct_runs.append(direct)
        print(f"round {number + 1}: add_batch {server:,.0f} events/s, "
              f"direct bulk {direct:,.0f} events/s", file=sys.stderr)
    server_rate, direct_rate = statistics.median(server_runs), statistics.median(direct_runs)
    print(f"events per batch: {size}, batches per round: {batches}, rounds: {rounds}")
    print(f"add_batch (full app, TestClient): {server_rate:,.0f} events/s")
    print(f"direct helpers.bulk:              {direct_rate:,.0f} events/s")
    ratio = server_rate / direct_rate
    print(f"ratio (add_batch / direct bulk): {ratio:.2f} (goal {GOAL:.2f})")
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
