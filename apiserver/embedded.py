"""Embedded engines: SecantusDB, osmem and Redis as child processes on loopback ports.

Used by ``apiserver serve`` when stores are not configured, by ``apiserver users`` on a data
directory, and by the test suite's session fixture. Each engine speaks its real protocol, so
the server's code is the same as against MongoDB, Elasticsearch and Redis.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apiserver.errors import StartupError

log = logging.getLogger("apiserver.embedded")

HOST = "127.0.0.1"
STATE_FILE = "engines.json"
ENGINES = ("mongo", "redis", "elastic")


class EngineError(StartupError):
    """An embedded engine could not be started or did not become healthy."""


@dataclass
class Engine:
    """One running engine: its name, address and process."""

    name: str
    url: str
    process: subprocess.Popen[Any] | None
    detail: str = ""
    log_file: Path | None = None
    handle: Any = None  # NOTE: keeps osmem's stdin pipe open; it exits when stdin closes

    def stop(self, grace: float = 10.0) -> None:
        """Terminate the process and wait; kill it after ``grace`` seconds."""
        if self.process is not None:
            stop_process(self.process, grace)


def stop_process(process: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """SIGTERM a child process and wait; SIGKILL it if it has not stopped after ``grace``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)


@dataclass
class Engines:
    """The engines started for one server (or test session)."""

    data_dir: Path
    engines: dict[str, Engine] = field(default_factory=dict)

    def url(self, name: str) -> str | None:
        """Return the address of a running engine, or None."""
        engine = self.engines.get(name)
        return engine.url if engine else None

    def config_overrides(self) -> dict[str, Any]:
        """Return the configuration that points the server at these engines."""
        overrides: dict[str, Any] = {}
        if "mongo" in self.engines:
            base = self.engines["mongo"].url
            overrides["mongo.backend.host"] = f"{base}/backend"
            overrides["mongo.auth.host"] = f"{base}/auth"
        if "redis" in self.engines:
            overrides["redis.url"] = f"{self.engines['redis'].url}/0"
        if "elastic" in self.engines:
            overrides["elastic.hosts"] = [self.engines["elastic"].url]
            overrides["elastic.compat_content_type"] = False
        return overrides

    def write_state(self) -> None:
        """Record the running engines in the data directory for other commands."""
        state = {"pid": os.getpid(), **{n: e.url for n, e in self.engines.items()}}
        (self.data_dir / STATE_FILE).write_text(json.dumps(state, indent=2))

    def stop(self) -> None:
        """Stop every engine, newest first, and forget the state file."""
        for engine in reversed(list(self.engines.values())):
            engine.stop()
        state = self.data_dir / STATE_FILE
        if state.exists() and _read_state(self.data_dir).get("pid") == os.getpid():
            state.unlink()
        self.engines.clear()


def start_engines(
    data_dir: Path | str,
    names: tuple[str, ...] = ENGINES,
    redis_mode: str = "auto",
    timeout: float = 60.0,
    mongo_storage: str | None = None,
) -> Engines:
    """Start the named engines with data under ``data_dir``; stop them all on any failure."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    engines = Engines(data_dir)
    logs = data_dir / "logs"
    starters: dict[str, Callable[[], Engine]] = {
        "mongo": lambda: start_mongo(
            mongo_storage or str(data_dir / "mongo"), timeout, logs / "mongo.log"
        ),
        "redis": lambda: start_redis(data_dir / "redis", redis_mode, timeout, logs / "redis.log"),
        "elastic": lambda: start_elastic(timeout),
    }
    try:
        for name in names:
            engines.engines[name] = starters[name]()
            log.info("embedded %s ready at %s %s", name, engines.engines[name].url,
                     engines.engines[name].detail)
    except BaseException:
        engines.stop()
        raise
    return engines


def free_port() -> int:
    """Return a loopback port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_mongo(storage: str, timeout: float, log_file: Path) -> Engine:
    """Start SecantusDB standalone, syncing every commit, and wait for a ping."""
    if storage != ":memory:":
        Path(storage).mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = _spawn([
        sys.executable, "-m", "secantus", "--host", HOST, "--port", str(port),
        "--storage-path", storage, "--standalone", "--sync-on-commit", "--log-level", "WARNING",
    ], log_file)
    url = f"mongodb://{HOST}:{port}"
    engine = Engine("mongo", url, process, detail=f"(SecantusDB, data in {storage})",
                    log_file=log_file)
    _wait(engine, lambda: mongo_ping(url), timeout)
    return engine


def mongo_ping(url: str) -> bool:
    """Tell whether a MongoDB-protocol server answers at ``url``."""
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    client: MongoClient[dict[str, Any]] = MongoClient(url, serverSelectionTimeoutMS=500)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def start_redis(directory: Path, mode: str, timeout: float, log_file: Path) -> Engine:
    """Start redis-server (append-only file in ``directory``) or, failing that, fakeredis."""
    port = free_port()
    server = shutil.which("redis-server")
    if mode == "server" and server is None:
        raise EngineError("embedded.redis is 'server' but redis-server is not on PATH")
    if server is not None and mode in ("auto", "server"):
        directory.mkdir(parents=True, exist_ok=True)
        process = _spawn([
            server, "--bind", HOST, "--port", str(port), "--dir", str(directory),
            "--appendonly", "yes", "--save", "", "--protected-mode", "no",
        ], log_file)
        detail = f"(redis-server, append-only file in {directory})"
    else:
        process = _spawn(
            [sys.executable, "-m", "apiserver.fake_redis", "--port", str(port)], log_file
        )
        detail = "(fakeredis, in memory)"
    url = f"redis://{HOST}:{port}"
    engine = Engine("redis", url, process, detail=detail, log_file=log_file)
    _wait(engine, lambda: redis_ping(url), timeout)
    return engine


def redis_ping(url: str) -> bool:
    """Tell whether a Redis-protocol server answers at ``url``."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def start_elastic(timeout: float) -> Engine:
    """Start osmem, an in-memory OpenSearch-compatible engine."""
    from osmem_server import OsmemError, OsmemServer

    try:
        server = OsmemServer.start(addr=f"{HOST}:0", startup_timeout=timeout)
    except OsmemError as exc:
        raise EngineError(f"embedded elastic (osmem) did not start: {exc}") from exc
    return Engine("elastic", server.url, server.process, detail="(osmem, in memory only)",
                  handle=server)


def _spawn(command: list[str], log_file: Path) -> subprocess.Popen[Any]:
    """Start an engine in its own session, its output appended to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        with log_file.open("ab") as out:
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
    except OSError as exc:
        raise EngineError(f"cannot start {command[0]}: {exc}") from exc


def _wait(engine: Engine, healthy: Callable[[], bool], timeout: float) -> None:
    """Poll until the engine is healthy; bounded by ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process = engine.process
        if process is not None and process.poll() is not None:
            tail = engine.log_file.read_text(errors="replace")[-2000:] \
                if engine.log_file and engine.log_file.exists() else ""
            raise EngineError(f"embedded {engine.name} exited with {process.returncode}: {tail}")
        if healthy():
            return
        time.sleep(0.1)
    engine.stop()
    raise EngineError(f"embedded {engine.name} not healthy after {timeout:.0f}s")


def _read_state(data_dir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((data_dir / STATE_FILE).read_text()))
    except (OSError, ValueError):
        return {}


def running_engines(data_dir: Path | str) -> dict[str, str]:
    """Return the engine addresses of a server running on ``data_dir`` (empty if none)."""
    state = _read_state(Path(data_dir).resolve())
    pid = state.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return {}
    mongo = state.get("mongo")
    if not isinstance(mongo, str) or not mongo_ping(mongo):
        return {}
    return {k: v for k, v in state.items() if k in ENGINES and isinstance(v, str)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
