"""Archiving a stopped job: the step that would collect its metric data and statistics.

After a stop the job service hands the job to an :class:`Archiver` and stores the outcome
(``monitoringStatus`` 3 and statistics on success, 2 on failure). No metric store is wired in
yet, so the default archiver only marks jobs archived, without statistics.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

ARCHIVED = 3
ARCHIVING_FAILED = 2


@dataclass(frozen=True, slots=True)
class ArchiveResult:
    """The outcome of archiving: the new monitoring status and per-metric statistics."""

    monitoring_status: int
    statistics: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


class Archiver(Protocol):
    """Archive a stopped job; return None to leave its monitoring status as it is."""

    def archive(self, job: Mapping[str, Any]) -> ArchiveResult | None:
        """Archive the job (the stored document, already stopped)."""


class MarkArchived:
    """Mark every stopped job archived (status 3) without metric data."""

    def archive(self, job: Mapping[str, Any]) -> ArchiveResult | None:
        """Return 'archived' with no statistics."""
        return ArchiveResult(ARCHIVED)


class NoArchiving:
    """Leave stopped jobs' monitoring status unchanged."""

    def archive(self, job: Mapping[str, Any]) -> ArchiveResult | None:
        """Do nothing."""
        return None
