"""Client tests: the real `clearml` SDK and `clearml-agent` against `apiserver serve`.

One server per session runs on the embedded default (its own data directory), exactly as a
user starts it; the tests drive the clients as subprocesses with environment-only settings.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apiserver.client import APIClient
from apiserver.embedded import free_port

pytestmark = pytest.mark.clients

ACCESS_KEY = "CLIENTTESTSKEY000000"
SECRET_KEY = "client-tests-secret-0123456789abcdef"


@dataclass
class LiveServer:
    """A running `apiserver serve` and what a client needs to reach it."""

    url: str
    access_key: str
    secret_key: str
    home: Path
    log: Path
    data_dir: Path

    def api(self, version: str = "2.15") -> APIClient:
        return APIClient(self.url, self.access_key, self.secret_key, version=version)

    def client_env(self, **extra: str) -> dict[str, str]:
        """Environment for the real clients: no config file, no network beyond us."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CLEARML", "TRAINS", "APISERVER"))}
        env.update({
            "HOME": str(self.home),
            "CLEARML_API_HOST": self.url,
            "CLEARML_WEB_HOST": self.url.replace(":" + self.url.rsplit(":", 1)[1], ":18080"),
            "CLEARML_FILES_HOST": self.url.replace(":" + self.url.rsplit(":", 1)[1], ":18081"),
            "CLEARML_API_ACCESS_KEY": self.access_key,
            "CLEARML_API_SECRET_KEY": self.secret_key,
            "CLEARML_DISABLE_VAULT_SUPPORT": "1",
            "CLEARML_NO_DEFAULT_SERVER": "1",
            "PYTHONUNBUFFERED": "1",
        })
        env.update(extra)
        return env


def _ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/debug.ping", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Start `apiserver serve` on the embedded default with a known admin credential."""
    root = tmp_path_factory.mktemp("live")
    port = free_port()
    log = root / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("APISERVER")}
    env.update({"APISERVER_ACCESS_KEY": ACCESS_KEY, "APISERVER_SECRET_KEY": SECRET_KEY})
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "apiserver.cli", "serve", "--port", str(port),
             "--workers", "3", "--data-dir", str(root / "data")],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not _ping(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"apiserver did not start:\n{log.read_text()}")
        time.sleep(0.3)
    home = root / "home"
    home.mkdir()
    try:
        yield LiveServer(url, ACCESS_KEY, SECRET_KEY, home, log, root / "data")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def run_python(server: LiveServer, script: str, cwd: Path, timeout: float = 120,
               **env: str) -> subprocess.CompletedProcess[str]:
    """Run a Python script with the real SDK configured for the live server."""
    path = cwd / "script.py"
    path.write_text(script)
    return subprocess.run(
        [sys.executable, str(path)], cwd=cwd, env=server.client_env(**env),
        capture_output=True, text=True, timeout=timeout,
    )


def dump(result: subprocess.CompletedProcess[str], server: LiveServer) -> str:
    """Everything worth reading when a client run fails."""
    return (f"rc={result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n"
            f"{result.stderr[-6000:]}\n--- server log\n{server.log.read_text()[-4000:]}")


def data(response: Any) -> dict[str, Any]:
    return json.loads(json.dumps(response.data))
