"""The unmodified `clearml` SDK: Task.init, scalars, console output, close, read back."""

from __future__ import annotations

import re

import pytest

from tests.clients.conftest import LiveServer, dump, run_python

pytestmark = pytest.mark.clients

ITERATIONS = 40
SCRIPT = f"""
from clearml import Task

task = Task.init(project_name="client-tests", task_name="sdk-basic-flow")
logger = task.get_logger()
for i in range({ITERATIONS}):
    logger.report_scalar("loss", "train", 1.0 / (i + 1), iteration=i)
    logger.report_scalar("loss", "test", 2.0 / (i + 1), iteration=i)
    logger.report_scalar("accuracy", "val", i / 100, iteration=i)
print("hello from the sdk test script")
logger.report_text("a line from report_text")
print("TASK_ID=" + task.id)
task.close()
print("SCRIPT DONE")
"""


def test_sdk_basic_flow_is_stored_and_read_back(live_server: LiveServer, tmp_path) -> None:
    result = run_python(live_server, SCRIPT, tmp_path)
    assert result.returncode == 0 and "SCRIPT DONE" in result.stdout, dump(result, live_server)
    task_id = re.search(r"TASK_ID=([0-9a-f]{32})", result.stdout).group(1)
    api = live_server.api()

    projects = api.call("projects.get_all", name="^client-tests$").data["projects"]
    assert [p["name"] for p in projects] == ["client-tests"]
    task = api.call("tasks.get_by_id", task=task_id).data["task"]
    assert task["name"] == "sdk-basic-flow" and task["project"] == projects[0]["id"]
    assert task["status"] == "completed"

    histogram = api.call("events.scalar_metrics_iter_histogram", task=task_id, samples=0).data
    expected = {
        ("loss", "train"): [1.0 / (i + 1) for i in range(ITERATIONS)],
        ("loss", "test"): [2.0 / (i + 1) for i in range(ITERATIONS)],
        ("accuracy", "val"): [i / 100 for i in range(ITERATIONS)],
    }
    for (metric, variant), values in expected.items():
        series = histogram[metric][variant]
        assert series["x"] == list(range(ITERATIONS))
        assert series["y"] == pytest.approx(values, rel=1e-6)

    log = api.call("events.get_task_log", task=task_id, batch_size=500,
                   navigate_earlier=False).data
    text = "\n".join(event.get("msg", "") for event in log["events"])
    assert "hello from the sdk test script" in text
    assert "a line from report_text" in text
