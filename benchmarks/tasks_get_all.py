"""Latency of tasks.get_all_ex pages and tasks.get_by_id at 1k and 50k tasks, with query plans.

The whole app runs in process (Falcon ``TestClient``, no socket) over embedded engines started
with ``apiserver.embedded.start_engines`` (SecantusDB, osmem, redis-server). Tasks are seeded
with raw ``insert_many`` (one company; a few other companies' tasks too). For each collection
size the script reports the median and p90 latency of

- ``get_all_ex page``: ``tasks.get_all_ex`` page 3 of size 100, default order;
- ``get_all_ex sorted``: the same page ordered by ``-last_update``;
- ``get_by_id``: ``tasks.get_by_id`` of a random task;
- ``small company page``: the first page of a second company that has only 200 tasks in the
  same collection: index-backed, its cost must not follow the collection's size;

and next to each the time the engine alone takes for the same MongoDB query (pymongo, same
filter/sort/skip/limit), so what is ours and what is the engine's can be told apart. Last, it
prints the winning plan of each query from ``explain()``.

Usage: ``.venv/bin/python benchmarks/tasks_get_all.py [--sizes 1000 50000] [--repeat 15]``
"""

from __future__ import annotations

import argparse
import base64
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from falcon.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app_over_engines import app_over_engines

from apiserver.embedded import start_engines

STATUSES = ["created", "queued", "in_progress", "stopped", "completed", "failed"]


def seed(tasks: Any, company: str, start: int, count: int) -> list[str]:
    """Insert ``count`` tasks of the company (and 1 in 10 of another company)."""
    base = datetime(2024, 1, 1)
    ids = []
    for first in range(start, start + count, 5000):
        batch = []
        for i in range(first, min(first + 5000, start + count)):
            task = uuid.uuid4().hex
            owner = company if i % 10 else f"other{i % 7}"
            if owner == company:
                ids.append(task)
            batch.append({
                "_id": task, "company": owner, "user": "u", "name": f"task {i}",
                "type": "training", "status": STATUSES[i % len(STATUSES)],
                "created": base + timedelta(seconds=i), "last_update": base + timedelta(seconds=i),
                "status_changed": base + timedelta(seconds=i), "tags": [], "system_tags": [],
                "project": f"p{i % 20}", "last_iteration": i % 100, "last_metrics": {},
                "script": {"repository": "git@example.com/x.git", "entry_point": "train.py"},
            })
        tasks.insert_many(batch)
    return ids


def login(client: TestClient, runtime: Any, company: str) -> tuple[dict[str, str], str]:
    """Create a user of ``company``; return Bearer headers and the company id."""
    credential = runtime.users.create_credential(company, company, "user")
    basic = base64.b64encode(f"{credential.access_key}:{credential.secret_key}".encode())
    result = client.simulate_get("/auth.login",
                                 headers={"Authorization": f"Basic {basic.decode()}"})
    return {"Authorization": f"Bearer {result.json['data']['token']}"}, credential.company


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Return (median, p90) milliseconds of ``repeat`` calls after one warm-up call."""
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def plan_stages(plan: dict[str, Any]) -> str:
    """Render a winning plan as ``STAGE(index) <- STAGE ...``."""
    stages = []
    node: dict[str, Any] | None = plan
    while node:
        name = node.get("stage", "?")
        if node.get("indexName"):
            name += f"({node['indexName']})"
        stages.append(name)
        node = node.get("inputStage")
    return " <- ".join(stages)


def explain(cursor: Any) -> str:
    """Return the winning plan of a cursor's query."""
    return plan_stages(cursor.explain()["queryPlanner"]["winningPlan"])


def main(argv: list[str] | None = None) -> int:
    """Start the engines, seed, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 50000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        engines = start_engines(data_dir, mongo_storage=":memory:")
        try:
            return run(engines, sorted(args.sizes), args.repeat)
        finally:
            engines.stop()


def run(engines: Any, sizes: list[int], repeat: int) -> int:
    """Measure at each size, growing one collection."""
    client, runtime = app_over_engines(engines)
    headers, company = login(client, runtime, "bench")
    small_headers, small_company = login(client, runtime, "small")
    tasks = runtime.stores.mongo("backend")["task"]
    seed(tasks, small_company, 0, 200)
    scope = {"company": {"$in": [company, ""]}, "system_tags": {"$ne": "hidden"}}

    def call(action: str, body: dict[str, Any], as_headers: dict[str, str] = headers) -> Any:
        result = client.simulate_post(f"/{action}", json=body, headers=as_headers)
        if result.status_code != 200:
            raise SystemExit(f"{action} failed: {result.text[:300]}")
        return result.json["data"]

    page = {"page": 3, "page_size": 100}
    sorted_page = {**page, "order_by": ["-last_update"]}
    ids: list[str] = []
    total = 0
    rows = []
    plans: list[tuple[str, str]] = []
    for size in sizes:
        seed_start = time.perf_counter()
        ids.extend(seed(tasks, company, total, size - total))
        total = size
        print(f"seeded {size} tasks in {time.perf_counter() - seed_start:.1f} s",
              file=sys.stderr)
        probes: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
            "get_all_ex page": (
                lambda: call("tasks.get_all_ex", page),
                lambda: list(tasks.find(scope, sort=[("_id", 1)], skip=300, limit=100)),
            ),
            "get_all_ex sorted": (
                lambda: call("tasks.get_all_ex", sorted_page),
                lambda: list(tasks.find(scope, sort=[("last_update", -1), ("_id", -1)],
                                        skip=300, limit=100)),
            ),
            "small company page": (
                lambda: call("tasks.get_all_ex", {"page": 0, "page_size": 100}, small_headers),
                lambda: list(tasks.find({**scope, "company": {"$in": [small_company, ""]}},
                                        sort=[("_id", 1)], limit=100)),
            ),
            "get_by_id": (
                lambda: call("tasks.get_by_id", {"task": random.choice(ids)}),
                lambda: tasks.find_one({"_id": random.choice(ids)}),
            ),
        }
        for name, (through_app, engine_only) in probes.items():
            app_ms = timed(through_app, repeat)
            engine_ms = timed(engine_only, repeat)
            rows.append((size, name, app_ms, engine_ms))
        company_clause = {"company": {"$in": [company, ""]}}
        plans = [
            ("get_all_ex page", explain(tasks.find(scope).sort([("_id", 1)]).skip(300)
                                        .limit(100))),
            ("  company clause", explain(tasks.find(company_clause).sort([("_id", 1)])
                                         .skip(300).limit(100))),
            ("get_all_ex sorted", explain(tasks.find(scope).sort([("last_update", -1),
                                                                   ("_id", -1)])
                                          .skip(300).limit(100))),
            ("  company clause", explain(tasks.find(company_clause)
                                         .sort([("last_update", -1), ("_id", -1)])
                                         .skip(300).limit(100))),
            ("get_by_id", explain(tasks.find({"_id": ids[0]}))),
        ]
    print(f"{'tasks':>7}  {'request':<18} {'app p50 ms':>10} {'app p90':>8} "
          f"{'engine p50':>10} {'engine p90':>10}")
    for size, name, (app50, app90), (eng50, eng90) in rows:
        print(f"{size:>7}  {name:<18} {app50:>10.1f} {app90:>8.1f} {eng50:>10.1f} {eng90:>10.1f}")
    print("\nwinning plans (explain):")
    for name, plan in plans:
        print(f"  {name:<18} {plan}")
    runtime.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
