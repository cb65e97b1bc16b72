"""The ``apiserver`` command: ``serve`` the API, list ``schemas``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from apiserver.config import Config, load_config
from apiserver.errors import StartupError
from apiserver.registry import ActionStatus

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ROLES = ("system", "root", "admin", "superuser", "user", "annotator", "guest", "api")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        return int(args.run(args, config))
    except StartupError as exc:
        print(f"apiserver: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apiserver", description=__doc__)
    parser.add_argument("--config", help="extra HOCON configuration file, merged over defaults")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API with gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8008)
    serve.add_argument("--workers", type=int, default=4)
    serve.add_argument("--data-dir", type=Path,
                       help="data directory of the embedded engines (default: embedded.data_dir)")
    serve.set_defaults(run=_serve)

    openapi = commands.add_parser("openapi", help="print the OpenAPI 3.1 document")
    openapi.add_argument("--version", dest="api_version", help="API version (default: latest)")
    openapi.set_defaults(run=_openapi)

    upload = commands.add_parser(
        "upload-events", help="upload a json-lines file of events in batches")
    upload.add_argument("file", type=Path)
    upload.add_argument("--url", default=os.environ.get("APISERVER_URL", "http://127.0.0.1:8008"))
    upload.add_argument("--access-key", default=os.environ.get("APISERVER_ACCESS_KEY"))
    upload.add_argument("--secret-key", default=os.environ.get("APISERVER_SECRET_KEY"))
    upload.add_argument("--api-version", default="2.4")
    upload.add_argument("--batch-size", type=int, default=1000)
    upload.set_defaults(run=_upload_events)

    users = commands.add_parser("users", help="manage users and credentials")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    create = users_commands.add_parser(
        "create", help="create a user (and its company) and print a new key and secret")
    create.add_argument("--company", required=True, help="company name (created on demand)")
    create.add_argument("--name", required=True, help="user name")
    create.add_argument("--role", default="user", choices=ROLES)
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.add_argument("--data-dir", type=Path,
                        help="data directory of the embedded default, when no store is configured")
    create.set_defaults(run=_users_create)

    schemas = commands.add_parser("schemas", help="list every action, version and its status")
    schemas.add_argument("--strict", action="store_true",
                         help="exit non-zero while any action has no handler")
    schemas.add_argument("--json", action="store_true", help="print a JSON list")
    schemas.set_defaults(run=_schemas)
    schemas_commands = schemas.add_subparsers(dest="schemas_command")
    diff = schemas_commands.add_parser(
        "diff", help="what each version of an action adds, removes or changes")
    diff.add_argument("name", nargs="?", help="service.action (default: every action)")
    diff.add_argument("--json", action="store_true", help="print a JSON list")
    diff.set_defaults(run=_schemas_diff)
    return parser


def _schemas(args: argparse.Namespace, config: Config) -> int:
    from apiserver.app import check_bindings, load_compiled

    offline = offline_config(config)
    report = check_bindings(offline, load_compiled(offline))[0].status()
    if args.json:
        print(json.dumps([_status_json(s) for s in report], indent=2))
    else:
        print(_status_table(report))
    unbound = [s.name for s in report if not s.served]
    partial = [s.name for s in report if s.served and len(s.served) < len(s.versions)]
    if args.strict and (unbound or partial):
        print(f"strict: {len(unbound)} action(s) without a handler, {len(partial)} "
              f"partly served: {', '.join(unbound + partial)}", file=sys.stderr)
        return 1
    return 0


def _upload_events(args: argparse.Namespace, config: Config) -> int:
    from apiserver.client import APIClient, APIClientError, default_progress

    if not args.access_key or not args.secret_key:
        print("apiserver: give --access-key and --secret-key (or APISERVER_ACCESS_KEY and "
              "APISERVER_SECRET_KEY)", file=sys.stderr)
        return 2
    client = APIClient(args.url, args.access_key, args.secret_key, version=args.api_version)
    try:
        result = client.upload_events(args.file, args.batch_size, progress=default_progress())
    except APIClientError as exc:
        print(f"apiserver: upload failed: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"added": result.added, "errors": result.errors,
                      "errors_info": result.errors_info, "batches": result.batches}))
    return 0


def _openapi(args: argparse.Namespace, config: Config) -> int:
    from apiserver.app import check_bindings, load_compiled
    from apiserver.openapi import build_openapi
    from apiserver.versions import Version

    try:
        version = Version.parse(args.api_version) if args.api_version else None
    except ValueError as exc:
        print(f"apiserver: {exc}", file=sys.stderr)
        return 2
    offline = offline_config(config)
    registry, rest_routes = check_bindings(offline, load_compiled(offline))
    print(json.dumps(build_openapi(registry, version, rest_routes=rest_routes), indent=2))
    return 0


def _schemas_diff(args: argparse.Namespace, config: Config) -> int:
    from apiserver.app import load_compiled
    from apiserver.schema.diff import diff_action

    schemas = load_compiled(config).schemas
    if args.name:
        action = schemas.action(args.name)
        if action is None:
            print(f"apiserver: no action {args.name}", file=sys.stderr)
            return 2
        actions = [action]
    else:
        actions = list(schemas.actions())
    diffs = [d for action in actions for d in diff_action(action)]
    if args.json:
        print(json.dumps([{
            "name": d.action, "version": d.version, "previous": d.previous,
            "breaking": d.breaking,
            "changes": [{"part": c.part, "path": c.path, "kind": c.kind, "breaking": c.breaking}
                        for c in d.changes],
        } for d in diffs], indent=2))
        return 0
    for d in diffs:
        if d.previous is None and args.name is None:
            continue
        head = f"{d.action} {d.version}"
        head += f" (vs {d.previous})" if d.previous else " (first version)"
        print(head + ("  BREAKING" if d.breaking else ""))
        for change in d.changes:
            print(f"    {change.describe()}")
        if d.previous and not d.changes:
            print("    no field changes")
    return 0


def _status_json(status: ActionStatus) -> dict[str, Any]:
    return {"name": status.name, "versions": list(status.versions), "served": list(status.served)}


def _status_table(report: list[ActionStatus]) -> str:
    lines = []
    service = None
    for status in report:
        current = status.name.split(".")[0]
        if current != service:
            service = current
            count = sum(1 for s in report if s.name.split(".")[0] == current)
            lines.append(f"{service} ({count} actions)")
        versions = ", ".join(
            f"{v}{'' if v in status.served else ' (schema only)'}" for v in status.versions
        )
        state = "served" if status.served else "schema only"
        lines.append(f"  {status.name:<50} {state:<12} {versions}")
    served = sum(1 for s in report if s.served)
    lines.append(f"{len(report)} actions, {served} served, {len(report) - served} schema only")
    return "\n".join(lines)


def offline_config(config: Config) -> Config:
    """Fill unconfigured store addresses with loopback placeholders for offline commands.

    NOTE: clients connect lazily, so commands that only bind handlers never use these.
    """
    placeholders = {
        "mongo.backend.host": "mongodb://127.0.0.1:27017/backend",
        "mongo.auth.host": "mongodb://127.0.0.1:27017/auth",
        "redis.url": "redis://127.0.0.1:6379/0",
        "elastic.hosts": ["http://127.0.0.1:9200"],
    }
    overrides: dict[str, Any] = {k: v for k, v in placeholders.items() if not config.get(k, None)}
    overrides["mongo.text_indexes"] = False
    return config.with_overrides(overrides)


def _serve(args: argparse.Namespace, config: Config) -> int:
    from apiserver.server import serve

    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    serve(config, host=args.host, port=args.port, workers=args.workers, data_dir=args.data_dir)
    return 0


def _users_create(args: argparse.Namespace, config: Config) -> int:
    from apiserver.users import create_user

    credential = create_user(config, args.company, args.name, args.role, args.data_dir)
    if args.json:
        print(json.dumps(credential.as_dict()))
    else:
        print(f"access key: {credential.access_key}\nsecret key: {credential.secret_key}\n"
              f"user: {credential.user_name} ({credential.user}), role {credential.role}\n"
              f"company: {credential.company_name} ({credential.company})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
