"""API versions: parsing, ordering and negotiation (requested version → served version)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

_VERSION_KEY = re.compile(r"^\d+\.\d+$")


@dataclass(frozen=True, order=True, slots=True)
class Version:
    """A ``major.minor`` API version, ordered numerically per component (2.4 < 2.13)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse ``"2.13"`` into a version; raise ``ValueError`` for anything else."""
        if not isinstance(text, str) or not _VERSION_KEY.match(text):
            raise ValueError(f"not a version (expected <major>.<minor>): {text!r}")
        major, minor = text.split(".")
        return cls(int(major), int(minor))

    @classmethod
    def is_version_key(cls, text: str) -> bool:
        """Tell whether a schema key has the form of a version key."""
        return bool(_VERSION_KEY.match(text))

    @property
    def is_unreleased(self) -> bool:
        """Tell whether this is the next, unreleased version (``999.0`` and above)."""
        return self >= UNRELEASED

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


UNRELEASED = Version(999, 0)


def resolve_version(available: Sequence[Version], requested: Version) -> Version | None:
    """Return the highest available version ``<=`` the requested one, or None.

    ``available`` must be sorted ascending. Unreleased versions (999.0) are only reached when
    the requested version is itself at least 999.0, which only an explicit request can be.
    """
    index = bisect.bisect_right(available, requested)
    return available[index - 1] if index else None


def negotiate(
    available: Sequence[Version], requested: Version | None, latest: Version
) -> Version | None:
    """Return the version that serves a call: unversioned calls ask for ``latest``.

    A version above the latest is served by the highest version at or below it, so
    unreleased versions are only reached when asked for explicitly.
    """
    return resolve_version(available, latest if requested is None else requested)


def latest_released(versions: Sequence[Version]) -> Version | None:
    """Return the highest version that is not the unreleased marker, or None."""
    released = [v for v in versions if not v.is_unreleased]
    return max(released) if released else None
