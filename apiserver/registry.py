"""The endpoint registry: compiled schemas plus the handlers explicitly bound to them."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apiserver.errors import DuplicateBindingError, UnknownActionBindingError
from apiserver.schema.compiler import CompiledSchema, CompiledSchemaSet, CompiledVersion
from apiserver.schema.model import ActionSchema, Policy
from apiserver.versions import Version, resolve_version

if TYPE_CHECKING:
    from apiserver.call import Call

Handler = Callable[["Call"], Any]
"""A handler takes the call and returns the response ``data`` (a dict, or None for ``{}``)."""


@dataclass(frozen=True, slots=True)
class Binding:
    """Bind ``handler`` to ``name`` (service.action) from schema version ``version`` on."""

    name: str
    version: str
    handler: Handler


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One servable action version: its compiled schemas, policy and handler."""

    name: str
    version: Version
    compiled: CompiledVersion
    policy: Policy
    handler: Handler
    batch_item: CompiledSchema | None = None

    @property
    def request(self) -> CompiledSchema:
        """The compiled request schema."""
        return self.compiled.request

    @property
    def response(self) -> CompiledSchema:
        """The compiled response schema."""
        return self.compiled.response


@dataclass(frozen=True, slots=True)
class ActionStatus:
    """What the CLI reports of an action: every schema version and the served ones."""

    name: str
    versions: tuple[str, ...]
    served: tuple[str, ...]


class EndpointRegistry:
    """Every action's compiled versions and handlers; resolves a request to an endpoint."""

    def __init__(self, compiled: CompiledSchemaSet, bindings: Iterable[Binding]) -> None:
        self.schemas = compiled.schemas
        self.latest_released = self.schemas.latest_released_version()
        self._compiled = compiled
        handlers = self._check_bindings(bindings)
        self._endpoints: dict[str, tuple[list[Version], list[Endpoint | None]]] = {}
        for action in self.schemas.actions():
            self._endpoints[action.name] = self._build_action(action, handlers)

    def resolve(self, name: str, requested: Version) -> Endpoint | None:
        """Return the endpoint serving ``name`` at ``requested``, or None (not served)."""
        found = self._endpoints.get(name)
        if found is None:
            return None
        versions, endpoints = found
        index = bisect.bisect_right(versions, requested)
        return endpoints[index - 1] if index else None

    def versions(self, name: str) -> list[Version]:
        """Return the schema versions of an action, ascending (empty if unknown)."""
        found = self._endpoints.get(name)
        return list(found[0]) if found else []

    def status(self) -> list[ActionStatus]:
        """Report every action with its schema versions and the versions served."""
        report = []
        for name, (versions, endpoints) in sorted(self._endpoints.items()):
            report.append(ActionStatus(
                name=name,
                versions=tuple(str(v) for v in versions),
                served=tuple(str(v) for v, e in zip(versions, endpoints, strict=True) if e),
            ))
        return report

    def endpoints(self) -> list[Endpoint]:
        """Return every served endpoint."""
        return [e for _, endpoints in self._endpoints.values() for e in endpoints if e]

    def _check_bindings(self, bindings: Iterable[Binding]) -> dict[str, dict[Version, Handler]]:
        handlers: dict[str, dict[Version, Handler]] = {}
        for binding in bindings:
            action = self.schemas.action(binding.name)
            if action is None:
                raise UnknownActionBindingError(
                    f"handler {_qualname(binding.handler)} is bound to {binding.name}, "
                    "an action no schema declares"
                )
            try:
                version = Version.parse(binding.version)
            except ValueError as exc:
                raise UnknownActionBindingError(f"{binding.name}: {exc}") from None
            if action.version(version) is None:
                raise UnknownActionBindingError(
                    f"handler {_qualname(binding.handler)} is bound to {binding.name} "
                    f"version {version}, which the schema does not have "
                    f"(it has {', '.join(str(v.version) for v in action.versions)})"
                )
            per_action = handlers.setdefault(binding.name, {})
            if version in per_action:
                raise DuplicateBindingError(
                    f"{binding.name} version {version} is bound twice: to "
                    f"{_qualname(per_action[version])} and {_qualname(binding.handler)}"
                )
            per_action[version] = binding.handler
        return handlers

    def _build_action(
        self, action: ActionSchema, handlers: dict[str, dict[Version, Handler]]
    ) -> tuple[list[Version], list[Endpoint | None]]:
        bound = handlers.get(action.name, {})
        starts = sorted(bound)
        versions, endpoints = [], []
        for compiled in self._compiled.versions[action.name]:
            version = compiled.spec.version
            start = resolve_version(starts, version)
            batch_item = self._compiled.batch_items.get((action.name, version))
            endpoint = None
            if start is not None:
                endpoint = Endpoint(
                    name=action.name,
                    version=version,
                    compiled=compiled,
                    policy=action.policy,
                    handler=bound[start],
                    batch_item=batch_item,
                )
            versions.append(version)
            endpoints.append(endpoint)
        return versions, endpoints


def _qualname(handler: Handler) -> str:
    return getattr(handler, "__qualname__", repr(handler))
