"""Jobs REST API fixtures: a logged-in api-role client over a fresh server."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from falcon.testing import Result, TestClient

from apiserver.app import create_app
from endpoints import build_runtime
from tests.integration.conftest import Server, store_config

pytestmark = pytest.mark.integration

START = 1649723812


def login(server: Server, company: str = "acme", name: str = "adapter", role: str = "api") -> str:
    """Create a credential with this role and return a token from auth.login."""
    credential = server.credential(company, name, role)
    raw = base64.b64encode(f"{credential.access_key}:{credential.secret_key}".encode()).decode()
    result = server.client.simulate_get("/auth.login", headers={"Authorization": f"Basic {raw}"})
    assert result.status_code == 200, result.text
    return str(result.json["data"]["token"])


def job(**overrides: Any) -> dict[str, Any]:
    """A valid start_job body for the example cluster, as the Swagger describes it."""
    body: dict[str, Any] = {
        "jobId": 123000, "user": "abcd100h", "project": "abcd200", "cluster": "fritz",
        "partition": "main", "arrayJobId": 0, "numNodes": 1, "numHwthreads": 20, "numAcc": 0,
        "exclusive": 1, "monitoringStatus": 1, "smt": 0, "walltime": 86400,
        "resources": [{"hostname": "f0101", "hwthreads": [0, 1, 2]}],
        "metaData": {"jobName": "test", "jobScript": "#!/bin/bash"}, "startTime": START,
    }
    body.update(overrides)
    return body


@dataclass
class JobsAPI:
    """Send requests to the jobs REST API with a token in X-Auth-Token (or none)."""

    server: Server
    token: str | None

    def headers(self, token: str | None = None, bearer: bool = False) -> dict[str, str]:
        token = token or self.token
        if not token:
            return {}
        return {"Authorization": f"Bearer {token}"} if bearer else {"X-Auth-Token": token}

    def request(self, method: str, path: str, body: Any = None, raw: bytes | None = None,
                params: dict[str, Any] | str | None = None, **kwargs: Any) -> Result:
        headers = kwargs.pop("headers", None) or self.headers(**kwargs)
        options: dict[str, Any] = {"headers": headers}
        if raw is not None:
            options["body"] = raw
            headers.setdefault("Content-Type", "application/json")
        elif body is not None:
            options["json"] = body
        if isinstance(params, str):
            options["query_string"] = params
        elif params is not None:
            options["params"] = params
        return self.server.client.simulate_request(method, path, **options)

    def start(self, **overrides: Any) -> int:
        result = self.request("POST", "/api/jobs/start_job/", job(**overrides))
        assert result.status_code == 201, result.text
        return int(result.json["id"])

    def list(self, params: dict[str, Any] | str | None = None) -> Result:
        result = self.request("GET", "/api/jobs/", params=params)
        return result


@pytest.fixture
def api(server: Server) -> JobsAPI:
    """A client of the jobs API with a token of an api-role user of company acme."""
    return JobsAPI(server, login(server))


def error(result: Result, status: int) -> str:
    """Assert the REST error shape and status; return the error message."""
    assert result.status_code == status, result.text
    assert result.headers["content-type"].startswith("application/json")
    body = result.json
    assert set(body) == {"status", "error"}, body
    return str(body["error"])


CLUSTERS = [
    {"name": "fritz", "subclusters": [{"name": "main", "nodes": []}]},
    {"name": "alex", "subclusters": [
        {"name": "a40", "nodes": ["a04*", "a05*"]},
        {"name": "a100", "nodes": ["a06*"]},
    ]},
]


@pytest.fixture
def clusters_server(engines: Any, schemas_with_notes: Any, compiled: Any) -> Iterator[Server]:
    """A fresh server whose configuration declares a second cluster with node lists."""
    config = store_config(engines, schemas_with_notes, jobs__clusters=CLUSTERS,
                          jobs__archiver="none")
    runtime = build_runtime(config, compiled.schemas)
    runtime.stores.redis.flushdb()
    runtime.prepare(environ={})
    app = create_app(config, compiled=compiled, runtime=runtime)
    yield Server(TestClient(app), runtime, config)
    for alias in ("backend", "auth"):
        db = runtime.stores.mongo(alias)
        db.client.drop_database(db.name)
    runtime.close()


@pytest.fixture
def clusters_api(clusters_server: Server) -> JobsAPI:
    """An api-role client of the server with the second cluster."""
    return JobsAPI(clusters_server, login(clusters_server))
