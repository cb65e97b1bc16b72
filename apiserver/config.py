"""Layered configuration: packaged defaults, an optional file, then environment overrides."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyhocon import ConfigFactory, ConfigTree
from pyhocon.exceptions import ConfigException

from apiserver.errors import ConfigError

ENV_PREFIX = "APISERVER__"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "default.conf"
DEFAULT_SCHEMAS_DIR = PROJECT_ROOT / "service_schemas"
_MISSING = object()


class Config:
    """Read-only access to the merged configuration by dotted path."""

    def __init__(self, tree: ConfigTree) -> None:
        self._tree = tree

    def get(self, path: str, default: Any = _MISSING) -> Any:
        """Return the value at a dotted path; raise ConfigError if absent and no default."""
        try:
            value = self._tree.get(path)
        except (ConfigException, KeyError):
            if default is _MISSING:
                raise ConfigError(f"missing configuration key {path}") from None
            return default
        return value.as_plain_ordered_dict() if isinstance(value, ConfigTree) else value

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """Return a copy with values replaced at dotted paths."""
        tree = ConfigTree.merge_configs(ConfigTree(), self._tree, copy_trees=True)
        for path, value in overrides.items():
            tree.put(path, value)
        return Config(tree)

    def as_dict(self) -> dict[str, Any]:
        """Return the whole configuration as plain dicts."""
        return dict(self._tree.as_plain_ordered_dict())


def load_config(
    extra_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the configuration: defaults, then ``extra_file``, env, and explicit overrides."""
    tree = _parse(DEFAULT_CONFIG_FILE)
    if extra_file:
        tree = ConfigTree.merge_configs(tree, _parse(Path(extra_file)))
    for path, value in _env_overrides(os.environ if environ is None else environ):
        tree.put(path, value)
    for path, value in (overrides or {}).items():
        tree.put(path, value)
    return Config(tree)


def _parse(path: Path) -> ConfigTree:
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        return ConfigFactory.parse_file(str(path))
    except Exception as exc:
        raise ConfigError(f"cannot parse configuration file {path}: {exc}") from exc


def _env_overrides(environ: Mapping[str, str]) -> list[tuple[str, Any]]:
    """Read ``APISERVER__a__b=value`` variables as (``a.b``, parsed value) pairs."""
    found = []
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX):
            continue
        path = ".".join(name[len(ENV_PREFIX):].split("__"))
        found.append((path, _parse_value(raw)))
    return found


def _parse_value(raw: str) -> Any:
    """Read an environment value as JSON (numbers, booleans, lists, objects), else as text.

    NOTE: not as HOCON, where ``#`` starts a comment and would cut secrets and URIs short.
    """
    try:
        return json.loads(raw)
    except ValueError:
        return raw
