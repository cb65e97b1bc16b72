"""`apiserver serve` on the embedded default, as a newcomer runs it, and `apiserver users`."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jwt
import pytest

from apiserver.embedded import free_port

pytestmark = pytest.mark.integration


def start(data_dir: Path, port: int, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APISERVER")}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "apiserver.cli", "serve", "--port", str(port),
             "--workers", "2", "--data-dir", str(data_dir)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )


def get(url: str, key: str | None = None, secret: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url)
    if key:
        raw = base64.b64encode(f"{key}:{secret}".encode()).decode()
        request.add_header("Authorization", f"Basic {raw}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_up(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if get(f"http://127.0.0.1:{port}/debug.ping")[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"server did not come up:\n{log.read_text()}")


def create_user(data: Path, name: str) -> dict:
    created = subprocess.run(
        [sys.executable, "-m", "apiserver.cli", "users", "create", "--company", "acme",
         "--name", name, "--json", "--data-dir", str(data)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(created.stdout)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_embedded_default_serves_and_keeps_credentials_across_restarts(tmp_path):
    data, log, port = tmp_path / "data", tmp_path / "serve.log", free_port()
    process = start(data, port, log)
    try:
        wait_up(process, port, log)
        text = log.read_text()
        key = re.search(r"access key: (\S+)", text).group(1)
        secret = re.search(r"secret key: (\S+)", text).group(1)
        assert "events are kept in memory only" in text
        status, body = get(f"http://127.0.0.1:{port}/auth.login", key, secret)
        assert status == 200
        claims = jwt.decode(body["data"]["token"], options={"verify_signature": False})
        assert claims["identity"]["user_name"] == "developer"
        assert claims["api_version"] == "2.15"
        bob = create_user(data, "bob")  # while the server runs: through its engine
        assert set(bob) >= {"access_key", "secret_key", "user", "company"}
    finally:
        stop(process)
    assert not (data / "engines.json").exists()
    carol = create_user(data, "carol")  # while it is stopped: the engine is started briefly

    process = start(data, port, log)
    try:
        wait_up(process, port, log)
        assert get(f"http://127.0.0.1:{port}/auth.login", key, secret)[0] == 200
        for user in (bob, carol):
            assert get(f"http://127.0.0.1:{port}/auth.login",
                       user["access_key"], user["secret_key"])[0] == 200
        assert log.read_text().count("Development credential") == 1
    finally:
        stop(process)
