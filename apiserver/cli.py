"""The ``apiserver`` command: ``serve`` the API, list ``schemas``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from apiserver.config import Config, load_config
from apiserver.errors import StartupError
from apiserver.registry import ActionStatus


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
    serve.set_defaults(run=_serve)

    schemas = commands.add_parser("schemas", help="list every action, version and its status")
    schemas.add_argument("--strict", action="store_true",
                         help="exit non-zero while any action has no handler")
    schemas.add_argument("--json", action="store_true", help="print a JSON list")
    schemas.set_defaults(run=_schemas)
    return parser


def _schemas(args: argparse.Namespace, config: Config) -> int:
    from apiserver.app import build_registry

    report = build_registry(config).status()
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


def _serve(args: argparse.Namespace, config: Config) -> int:
    from apiserver.server import serve

    serve(config, host=args.host, port=args.port, workers=args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
