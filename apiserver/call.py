"""The call object handed to handlers: who calls, which endpoint serves, and the request."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from apiserver.auth import Identity
from apiserver.registry import Endpoint
from apiserver.versions import Version


@dataclass(frozen=True, slots=True)
class LineError:
    """One json-lines batch line that failed validation: 1-based line number and reason."""

    line: int
    reason: str
    field: str = ""


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A handler result sent as is, without the envelope, as an attachment named ``filename``."""

    body: bytes | Iterable[bytes]
    content_type: str = "text/plain"
    filename: str = ""


@dataclass(slots=True)
class Call:
    """Everything a handler may use about the current call.

    ``data`` is the validated request (defaults applied, undeclared fields removed). For a
    batch action, ``batch`` holds the valid lines and ``batch_errors`` the invalid ones.
    """

    id: str
    trx: str
    endpoint: Endpoint
    requested_version: Version
    identity: Identity | None
    data: dict[str, Any]
    session_id: str | None = None
    session_expires: int | None = None
    worker: str = "<unknown>"
    client: str = ""
    remote_addr: str = ""
    batch: list[dict[str, Any]] | None = None
    batch_errors: list[LineError] = field(default_factory=list)

    @property
    def actual_version(self) -> Version:
        """The schema version that serves this call."""
        return self.endpoint.version

    @property
    def company(self) -> str:
        """The caller's company id ('' when the endpoint needs no authentication)."""
        return self.identity.company if self.identity else ""

    @property
    def user(self) -> str:
        """The caller's user id ('' when the endpoint needs no authentication)."""
        return self.identity.user if self.identity else ""
