"""REST routes served from the same registry: fixed paths and methods, no envelope.

A :class:`RestRoute` maps an HTTP method and path template (e.g.
``POST /api/jobs/stop_job/{id}``) to a registry action and version. The request is built from
path parameters, query parameters and the JSON body, validated like any RPC call, and the
handler's result is answered as plain JSON with the route's success status; errors are
``{"status": <reason phrase>, "error": <message>}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RestRoute:
    """One REST operation bound to a registry action."""

    method: str
    path: str
    action: str
    version: str
    success_status: int = 200
    path_params: Mapping[str, str] = field(default_factory=dict)
    body_field: str | None = None
