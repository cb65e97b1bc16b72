"""A logged-in API client for the events and workers tests, and direct document inserts."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson


class Api:
    """Call the API as one user of one company, and insert the documents events rely on."""

    def __init__(self, server: Any, company: str = "acme", name: str = "ann") -> None:
        self.server = server
        credential = server.credential(company, name)
        self.company = credential.company
        raw = base64.b64encode(f"{credential.access_key}:{credential.secret_key}".encode())
        login = server.client.simulate_get("/auth.login",
                                           headers={"Authorization": f"Basic {raw.decode()}"})
        assert login.status_code == 200, login.text
        self.headers = {"Authorization": f"Bearer {login.json['data']['token']}",
                        "X-ClearML-Worker": "box1"}

    def call(self, action: str, version: str | None = None, expect: int = 200,
             **data: Any) -> Any:
        """POST a JSON call; check the status; return the envelope."""
        path = f"/v{version}/{action}" if version else f"/{action}"
        result = self.server.client.simulate_post(path, json=data, headers=self.headers)
        assert result.status_code == expect, result.text
        return result.json

    def data(self, action: str, version: str | None = None, **data: Any) -> Any:
        """POST a JSON call that must succeed; return its data."""
        return self.call(action, version, **data)["data"]

    def batch(self, lines: list[Any], expect: int = 200) -> Any:
        """POST json-lines (objects are encoded, bytes sent as is) to events.add_batch."""
        body = b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line)
                          for line in lines)
        result = self.server.client.simulate_post(
            "/events.add_batch", body=body,
            headers={**self.headers, "Content-Type": "application/json-lines"})
        assert result.status_code == expect, result.text
        return result.json

    def task(self, name: str = "t", status: str = "in_progress", company: str | None = None,
             **fields: Any) -> str:
        """Insert a task document directly; return its id."""
        task_id = uuid.uuid4().hex
        self.server.runtime.stores.mongo("backend")["task"].insert_one({
            "_id": task_id, "company": company or self.company, "name": name,
            "status": status, "project": None, "last_iteration": 0,
            "last_update": datetime.now(UTC).replace(tzinfo=None), **fields,
        })
        return task_id

    def task_doc(self, task_id: str) -> dict[str, Any]:
        """Read a task document."""
        doc = self.server.runtime.stores.mongo("backend")["task"].find_one({"_id": task_id})
        assert doc is not None
        return dict(doc)


def scalars(task: str, count: int, metric: str = "loss", variant: str = "train",
            start_ms: int = 1_700_000_000_000) -> list[dict[str, Any]]:
    """Return scalar events at iterations 0..count-1 with value = iteration."""
    return [{"type": "training_stats_scalar", "task": task, "iter": i, "metric": metric,
             "variant": variant, "value": i, "timestamp": start_ms + i * 1000}
            for i in range(count)]
