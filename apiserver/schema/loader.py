"""Read a directory of HOCON service files into a :class:`SchemaSet`.

Every ``<name>.conf`` not starting with ``_`` is the service ``<name>``. Files starting with
``_`` are only read through ``include`` or, for ``_api_defaults.conf``, as the policy every
action starts from. Structure errors raise the named :class:`~apiserver.errors.SchemaError`
subclasses with file, action and version.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pyhocon import ConfigFactory
from pyhocon.exceptions import ConfigException
from pyparsing import ParseBaseException

from apiserver.errors import (
    InvalidVersionKeyError,
    SchemaError,
    SchemaIncludeError,
    SchemaSyntaxError,
    UnknownSchemaKeyError,
)
from apiserver.schema.model import (
    ActionSchema,
    ActionVersion,
    BatchTarget,
    Policy,
    SchemaSet,
    ServiceSchema,
)
from apiserver.versions import Version

DEFAULTS_FILE = "_api_defaults.conf"
POLICY_KEYS = frozenset({"authorize", "allow_roles", "internal"})
SERVICE_KEYS = frozenset({"_description", "_definitions", "_references", "_default"})
VERSION_KEYS = frozenset({"description", "request", "response", "batch_request"})
_INCLUDE = re.compile(
    r"""^\s*include\s+(?:required\(\s*)?(?:file\(\s*)?"(?P<path>[^"]+)"\s*\)?\s*\)?""",
    re.MULTILINE,
)
_NAME = re.compile(r"^[A-Za-z_]\w*$")


def load_schemas(directory: Path | str) -> SchemaSet:
    """Load every service file in ``directory``; raise a SchemaError on the first problem."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SchemaError(f"schema directory not found: {directory}")
    defaults = _read_policy(_parse_file(directory / DEFAULTS_FILE), Policy(), DEFAULTS_FILE) \
        if (directory / DEFAULTS_FILE).exists() else Policy()
    services = {}
    for path in sorted(directory.glob("*.conf")):
        if path.name.startswith("_"):
            continue
        services[path.stem] = _read_service(path, defaults)
    return SchemaSet(services=MappingProxyType(services))


def _parse_file(path: Path) -> dict[str, Any]:
    """Parse one HOCON file (includes and substitutions resolved) into plain dicts."""
    _check_includes(path, set())
    try:
        tree = ConfigFactory.parse_file(str(path), resolve=True)
    except (ConfigException, ParseBaseException) as exc:
        raise SchemaSyntaxError(str(exc).strip(), file=path.name) from exc
    except RecursionError as exc:
        raise SchemaSyntaxError("substitution cycle", file=path.name) from exc
    return _plain(tree.as_plain_ordered_dict())


def _check_includes(path: Path, seen: set[Path]) -> None:
    """Fail on includes naming missing files (pyhocon would skip them silently)."""
    seen.add(path.resolve())
    for match in _INCLUDE.finditer(path.read_text(encoding="utf-8")):
        target = (path.parent / match.group("path")).resolve()
        if not target.is_file():
            raise SchemaIncludeError(
                f'included file "{match.group("path")}" not found (looked for {target})',
                file=path.name,
            )
        if target not in seen:
            _check_includes(target, seen)


def _plain(value: Any) -> Any:
    """Turn pyhocon trees and lists into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _read_service(path: Path, defaults: Policy) -> ServiceSchema:
    """Build one service from its file."""
    data = _parse_file(path)
    name = path.stem
    if not _NAME.match(name):
        raise SchemaError(f"service name {name!r} is not an identifier", file=path.name)
    for key in data:
        if key.startswith("_") and key not in SERVICE_KEYS:
            raise UnknownSchemaKeyError(
                f"{key!r} (service keys are {', '.join(sorted(SERVICE_KEYS))})", file=path.name
            )
    definitions = data.get("_definitions", {})
    if not isinstance(definitions, dict):
        raise SchemaError("_definitions must be an object", file=path.name)
    policy = _read_policy(data.get("_default", {}), defaults, path.name)
    actions = {}
    for action, body in data.items():
        if action.startswith("_"):
            continue
        if not _NAME.match(action):
            raise SchemaError("action name is not an identifier", file=path.name, action=action)
        if not isinstance(body, dict):
            raise SchemaError("an action must be an object", file=path.name, action=action)
        actions[action] = _read_action(path.name, name, action, body, policy, definitions)
    return ServiceSchema(
        name=name,
        file=path.name,
        description=str(data.get("_description", "")),
        definitions=MappingProxyType(definitions),
        actions=MappingProxyType(actions),
    )


def _read_policy(data: Any, base: Policy, file: str, action: str | None = None) -> Policy:
    """Overlay the policy keys found in ``data`` on ``base``."""
    if not isinstance(data, dict):
        raise SchemaError("policy defaults must be an object", file=file, action=action)
    unknown = set(data) - POLICY_KEYS
    if unknown and action is None:
        raise UnknownSchemaKeyError(f"{sorted(unknown)} in endpoint defaults", file=file)
    authorize = data.get("authorize", base.authorize)
    internal = data.get("internal", base.internal)
    roles = data.get("allow_roles", list(base.allow_roles))
    if not isinstance(authorize, bool) or not isinstance(internal, bool):
        raise SchemaError("authorize and internal must be booleans", file=file, action=action)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise SchemaError("allow_roles must be a list of strings", file=file, action=action)
    return Policy(authorize=authorize, allow_roles=tuple(roles), internal=internal)


def _read_action(
    file: str,
    service: str,
    action: str,
    body: dict[str, Any],
    defaults: Policy,
    definitions: dict[str, Any],
) -> ActionSchema:
    """Build one action: its policy and every version key, ascending."""
    policy = _read_policy({k: v for k, v in body.items() if k in POLICY_KEYS}, defaults,
                          file, action)
    versions = []
    for key, spec in body.items():
        if key in POLICY_KEYS:
            continue
        try:
            version = Version.parse(key)
        except ValueError:
            raise InvalidVersionKeyError(
                f"{key!r} is neither a <major>.<minor> version nor one of "
                f"{', '.join(sorted(POLICY_KEYS))}",
                file=file, action=f"{service}.{action}",
            ) from None
        versions.append(_read_version(file, service, action, version, spec, definitions))
    if not versions:
        raise SchemaError("action has no version", file=file, action=f"{service}.{action}")
    versions.sort(key=lambda v: v.version)
    return ActionSchema(
        service=service, action=action, policy=policy, versions=tuple(versions), file=file
    )


def _read_version(
    file: str,
    service: str,
    action: str,
    version: Version,
    spec: Any,
    definitions: dict[str, Any],
) -> ActionVersion:
    """Build one version of an action, injecting the service definitions in its schemas."""
    where = {"file": file, "action": f"{service}.{action}", "version": str(version)}
    if not isinstance(spec, dict):
        raise SchemaError("a version must be an object", **where)
    unknown = set(spec) - VERSION_KEYS
    if unknown:
        raise UnknownSchemaKeyError(
            f"{', '.join(map(repr, sorted(unknown)))} (a version has "
            f"{', '.join(sorted(VERSION_KEYS))})", **where,
        )
    if ("request" in spec) == ("batch_request" in spec):
        raise SchemaError("a version needs exactly one of request and batch_request", **where)
    for key in ("request", "response"):
        if key in spec and not isinstance(spec[key], dict):
            raise SchemaError(f"{key} must be an object (a JSON Schema)", **where)
    batch = _read_batch_target(spec.get("batch_request"), where) \
        if "batch_request" in spec else None
    return ActionVersion(
        service=service,
        action=action,
        version=version,
        description=str(spec.get("description", "")),
        request=_with_definitions(spec.get("request", {}), definitions),
        response=_with_definitions(spec.get("response", {}), definitions),
        batch=batch,
    )


def _read_batch_target(spec: Any, where: dict[str, str]) -> BatchTarget:
    """Read ``batch_request {action, version}``."""
    if not isinstance(spec, dict) or set(spec) != {"action", "version"}:
        raise SchemaError("batch_request must have exactly the keys action and version", **where)
    action, version = spec["action"], spec["version"]
    if not isinstance(action, str) or not _NAME.match(action):
        raise SchemaError("batch_request.action must be an action name", **where)
    try:
        parsed = Version.parse(str(version))
    except ValueError as exc:
        raise InvalidVersionKeyError(f"batch_request.version: {exc}", **where) from None
    return BatchTarget(action=action, version=parsed)


def _with_definitions(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """Return the schema with the service definitions under ``definitions``."""
    if not definitions:
        return schema
    merged = dict(definitions)
    merged.update(schema.get("definitions", {}))
    return {**schema, "definitions": merged}
