"""A property-based fuzzer (schemathesis) against the live server, from its OpenAPI document.

For a bounded number of generated requests per operation, no answer may be a 5xx and every
answer must match the response schema the document declares. The seed is fixed, so a run is
reproducible; a failure prints schemathesis's report with a curl command to replay it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clients.conftest import LiveServer

pytestmark = pytest.mark.clients

SEED = "20261124"
MAX_EXAMPLES = "8"


def schemathesis(server: LiveServer, header: str, token: str, *selection: str) -> None:
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{server.url}/openapi.json",
        "--header", f"{header}: {token}", "--max-examples", MAX_EXAMPLES, "--seed", SEED,
        "--checks", "not_a_server_error,response_schema_conformance",
        "--generation-database", "none", "--no-color", *selection,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            cwd=server.home)  # NOTE: its cache folder lands there
    assert result.returncode == 0, (result.stdout[-12000:] + result.stderr[-3000:] +
                                    "\n--- server log\n" + server.log.read_text()[-6000:])


def api_role_token(server: LiveServer) -> str:
    created = subprocess.run(
        [sys.executable, "-m", "apiserver.cli", "users", "create", "--company", "default",
         "--name", "fuzz-api", "--role", "api", "--json", "--data-dir", str(server.data_dir)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    credential = json.loads(created.stdout)
    client = server.api()
    client._key, client._secret = credential["access_key"], credential["secret_key"]
    return client.login()


def test_rpc_actions_survive_fuzzing(live_server: LiveServer) -> None:
    # NOTE: auth.logout would revoke the token the fuzzer uses for every other call.
    schemathesis(live_server, "Authorization", f"Bearer {live_server.api().login()}",
                 "--exclude-path-regex", r"(auth\.logout|^/api/)")


def test_jobs_rest_routes_survive_fuzzing(live_server: LiveServer) -> None:
    schemathesis(live_server, "X-Auth-Token", api_role_token(live_server),
                 "--include-path-regex", "^/api/")
