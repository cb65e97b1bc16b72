"""The unmodified `clearml-agent`: `execute --id` and `daemon --queue`, offline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from apiserver.client import APIClient
from tests.clients.conftest import LiveServer

pytestmark = pytest.mark.clients

TASK_SCRIPT = """
import sys
print("agent task says hello")
print("running on", sys.version.split()[0])
"""


def agent_env(server: LiveServer, worker: str) -> dict[str, str]:
    """Settings that let the agent run offline, with this interpreter (clearml installed)."""
    return server.client_env(
        CLEARML_AGENT_SKIP_PYTHON_ENV_INSTALL="1",
        CLEARML_AGENT_SKIP_PIP_VENV_INSTALL=sys.executable,
        CLEARML_WORKER_ID=worker,
        CLEARML_WORKER_NAME=worker.split(":")[0],
    )


def agent_command() -> list[str]:
    return [str(Path(sys.executable).parent / "clearml-agent")]


def runnable_task(api: APIClient, name: str) -> str:
    """Create a task whose script is its own diff (no repository), as the agent needs."""
    project = api.call("projects.create", name=f"agent-{uuid.uuid4().hex[:8]}").data["id"]
    task = api.call("tasks.create", name=name, type="training", project=project).data["id"]
    api.call("tasks.edit", task=task, script={
        "binary": "python3", "entry_point": "task_script.py", "working_dir": ".",
        "repository": "", "diff": TASK_SCRIPT,
    })
    return str(task)


def queue(api: APIClient, name: str) -> str:
    return str(api.call("queues.create", name=name).data["id"])


def wait_for(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def status(api: APIClient, task: str) -> str:
    return str(api.call("tasks.get_by_id", task=task).data["task"]["status"])


def log_text(api: APIClient, task: str) -> str:
    events = api.call("events.get_task_log", task=task, batch_size=1000,
                      navigate_earlier=False).data["events"]
    return "\n".join(str(event.get("msg", "")) for event in events)


def test_agent_execute_runs_an_enqueued_task_to_completion(live_server: LiveServer,
                                                           tmp_path: Path) -> None:
    api = live_server.api()
    task = runnable_task(api, "agent-execute")
    api.call("tasks.enqueue", task=task, queue=queue(api, f"exec-{uuid.uuid4().hex[:6]}"))
    result = subprocess.run(
        [*agent_command(), "execute", "--id", task], cwd=tmp_path,
        env=agent_env(live_server, "exec-box:0"), capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert status(api, task) == "completed"
    assert "agent task says hello" in log_text(api, task)


def test_agent_daemon_registers_pulls_runs_and_unregisters(live_server: LiveServer,
                                                           tmp_path: Path) -> None:
    api = live_server.api()
    queue_name = f"daemon-{uuid.uuid4().hex[:6]}"
    queue_id = queue(api, queue_name)
    worker = f"daemon-box-{uuid.uuid4().hex[:4]}:0"
    log = tmp_path / "daemon.log"
    with log.open("wb") as out:
        daemon = subprocess.Popen(
            [*agent_command(), "daemon", "--queue", queue_name, "--foreground"],
            cwd=tmp_path, env=agent_env(live_server, worker), stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        def registered() -> bool:
            workers = api.call("workers.get_all").data["workers"]
            return any(w["id"] == worker for w in workers)

        wait_for(registered, 90, f"worker {worker} to register\n{log.read_text()[-3000:]}")
        task = runnable_task(api, "agent-daemon")
        api.call("tasks.enqueue", task=task, queue=queue_id)
        wait_for(lambda: status(api, task) == "completed", 180,
                 f"the daemon to complete the task\n{log.read_text()[-3000:]}")
        assert "agent task says hello" in log_text(api, task)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
    wait_for(lambda: not registered(), 30, "the worker to unregister")
