"""The ``apiserver`` command line."""

from __future__ import annotations

import json
import shutil

from apiserver.cli import main
from apiserver.config import DEFAULT_SCHEMAS_DIR
from tests.conftest import FIXTURES


def test_schemas_lists_every_service_with_counts(capsys):
    assert main(["schemas"]) == 0
    out = capsys.readouterr().out
    for line in ("workers (7 actions)", "queues (17 actions)", "tasks (21 actions)",
                 "events (17 actions)"):
        assert line in out
    assert "debug.ping" in out and "served" in out


def test_schemas_json_reports_versions_ascending_and_served(capsys):
    assert main(["schemas", "--json"]) == 0
    report = {a["name"]: a for a in json.loads(capsys.readouterr().out)}
    assert report["events.get_task_log"]["versions"] == ["1.5", "1.7", "2.7"]
    assert report["workers.get_all"]["versions"] == ["2.4", "999.0"]
    assert report["debug.ping"]["served"] == ["1.0"]
    assert report["queues.get_all"]["served"] == ["2.4", "2.15"]
    assert set(report["debug.ping"]) == {"name", "versions", "served"}


def test_strict_passes_when_every_action_is_served(capsys):
    assert main(["schemas", "--strict"]) == 0


def test_strict_fails_while_actions_lack_handlers(tmp_path, capsys):
    schemas = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, schemas)
    (schemas / "extra.conf").write_text(
        'later { "1.0" { request { type: object }, response { type: object } } }\n')
    config = tmp_path / "extra.conf"
    config.write_text(f'apiserver.schemas_dir: "{schemas}"\n')
    assert main(["--config", str(config), "schemas", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "without a handler" in err and "extra.later" in err


def test_broken_schema_folder_exits_2_with_the_named_error(tmp_path, capsys):
    config = tmp_path / "extra.conf"
    config.write_text(f'apiserver.schemas_dir: "{FIXTURES / "broken" / "unresolvable_ref"}"\n')
    assert main(["--config", str(config), "schemas"]) == 2
    err = capsys.readouterr().err
    assert "unresolvable $ref" in err and "things.get" in err


def test_schemas_diff_shows_what_queues_get_all_2_15_added(capsys):
    assert main(["schemas", "diff", "queues.get_all"]) == 0
    out = capsys.readouterr().out
    assert "queues.get_all 2.15 (vs 2.4)" in out
    for field in ("request.scroll_id (string)", "request.size (integer)",
                  "request.refresh_scroll (boolean)", "response.scroll_id (string)"):
        assert f"+ {field}" in out
    assert "BREAKING" not in out


def test_schemas_diff_flags_removed_and_retyped_fields(capsys):
    assert main(["schemas", "diff", "events.get_task_log", "--json"]) == 0
    diffs = {d["version"]: d for d in json.loads(capsys.readouterr().out)}
    retyped = {c["path"]: c["kind"] for c in diffs["1.7"]["changes"]}
    assert retyped["total"] == "retyped" and diffs["1.7"]["breaking"]
    removed = {c["path"]: c["kind"] for c in diffs["2.7"]["changes"]}
    assert removed["from"] == "removed" and removed["navigate_earlier"] == "added"


def test_schemas_diff_of_an_unknown_action_exits_2(capsys):
    assert main(["schemas", "diff", "nope.nothing"]) == 2
