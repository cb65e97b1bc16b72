"""Plain, frozen objects describing the loaded service schemas."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from apiserver.versions import Version, latest_released

JSONSchema = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class BatchTarget:
    """What each line of a json-lines batch is: a request of ``action`` at ``version``."""

    action: str
    version: Version


@dataclass(frozen=True, slots=True)
class ActionVersion:
    """One version of one action: its description and request/response schemas.

    ``request`` and ``response`` carry the service definitions under ``definitions`` so that
    ``{"$ref": "#/definitions/x"}`` resolves inside them. A batch action has ``batch`` set and
    an empty ``request``.
    """

    service: str
    action: str
    version: Version
    description: str
    request: JSONSchema
    response: JSONSchema
    batch: BatchTarget | None = None

    @property
    def name(self) -> str:
        """The ``service.action`` name."""
        return f"{self.service}.{self.action}"


@dataclass(frozen=True, slots=True)
class Policy:
    """Endpoint policy: authentication, roles, and the documentation-only internal flag."""

    authorize: bool = True
    allow_roles: tuple[str, ...] = ("*",)
    internal: bool = False

    def allows(self, role: str) -> bool:
        """Tell whether a caller with this role may call the action."""
        return "*" in self.allow_roles or role in self.allow_roles


@dataclass(frozen=True, slots=True)
class ActionSchema:
    """Every version of one action, ascending, with the action's policy."""

    service: str
    action: str
    policy: Policy
    versions: tuple[ActionVersion, ...]
    file: str

    @property
    def name(self) -> str:
        """The ``service.action`` name."""
        return f"{self.service}.{self.action}"

    def version(self, version: Version) -> ActionVersion | None:
        """Return the schema at exactly this version key, or None."""
        for candidate in self.versions:
            if candidate.version == version:
                return candidate
        return None


@dataclass(frozen=True, slots=True)
class ServiceSchema:
    """One service file: its description, definitions and actions."""

    name: str
    file: str
    description: str
    definitions: JSONSchema
    actions: Mapping[str, ActionSchema]


@dataclass(frozen=True, slots=True)
class SchemaSet:
    """All loaded services, by name."""

    services: Mapping[str, ServiceSchema]

    def actions(self) -> Iterator[ActionSchema]:
        """Yield every action of every service, services and actions in name order."""
        for service in sorted(self.services):
            actions = self.services[service].actions
            for action in sorted(actions):
                yield actions[action]

    def action(self, name: str) -> ActionSchema | None:
        """Return the action named ``service.action``, or None."""
        service, _, action = name.partition(".")
        found = self.services.get(service)
        return found.actions.get(action) if found else None

    def latest_released_version(self) -> Version:
        """Return the highest released version key across all services."""
        versions = [v.version for a in self.actions() for v in a.versions]
        latest = latest_released(versions)
        return latest if latest is not None else Version(1, 0)
