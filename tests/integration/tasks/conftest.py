"""Helpers for the tasks, queues and projects tests: a logged-in API caller per company."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

pytestmark = pytest.mark.integration


class CallError(AssertionError):
    """A call expected to succeed did not."""


@dataclass
class Api:
    """Call actions as one user; responses are checked against their schemas by the app."""

    server: Any
    token: str
    user: str
    company: str

    def raw(self, action: str, version: str | None = None, body: Any = None,
            content_type: str = "application/json") -> Any:
        path = f"/v{version}/{action}" if version else f"/{action}"
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        if isinstance(body, str | bytes):
            return self.server.client.simulate_post(path, body=body, headers=headers)
        return self.server.client.simulate_post(path, json=body or {}, headers=headers)

    def __call__(self, action: str, version: str | None = None, **data: Any) -> dict:
        result = self.raw(action, version, data)
        if result.status_code != 200:
            raise CallError(f"{action} {data}: {result.status_code} {result.text}")
        return result.json["data"]

    def error(self, action: str, version: str | None = None, **data: Any) -> tuple[int, int]:
        result = self.raw(action, version, data)
        assert result.status_code != 200, result.text
        meta = result.json["meta"]
        assert meta["result_code"] == result.status_code
        return result.status_code, meta["result_subcode"]

    def meta(self, action: str, version: str | None = None, **data: Any) -> dict:
        return self.raw(action, version, data).json["meta"]

    # shortcuts
    def task(self, name: str = "my task", type: str = "training", **data: Any) -> str:
        return self("tasks.create", name=name, type=type, **data)["id"]

    def queue(self, name: str = "queue one", **data: Any) -> str:
        return self("queues.create", name=name, **data)["id"]

    def get_task(self, task: str) -> dict:
        return self("tasks.get_by_id", task=task)["task"]

    def get_queue(self, queue: str) -> dict:
        return self("queues.get_by_id", queue=queue)["queue"]

    def status(self, task: str) -> str:
        return self.get_task(task)["status"]


def login(server: Any, company: str = "acme", name: str = "ann", role: str = "user") -> Api:
    credential = server.credential(company, name, role)
    raw = base64.b64encode(f"{credential.access_key}:{credential.secret_key}".encode()).decode()
    result = server.client.simulate_get("/auth.login", headers={"Authorization": f"Basic {raw}"})
    assert result.status_code == 200, result.text
    return Api(server, result.json["data"]["token"], credential.user, credential.company)


@pytest.fixture
def api(server: Any) -> Api:
    """A user of company acme."""
    return login(server)


@pytest.fixture
def other(server: Any) -> Api:
    """A user of another company."""
    return login(server, company="globex", name="gil")


@pytest.fixture
def tasks_collection(server: Any) -> Any:
    return server.runtime.stores.mongo("backend")["task"]


@pytest.fixture
def queues_collection(server: Any) -> Any:
    return server.runtime.stores.mongo("backend")["queue"]
