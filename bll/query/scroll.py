"""Scroll states of get_all / get_all_ex in Redis, with a TTL (reference-behaviour §B7)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import redis

SCROLL_TTL_SEC = 600


@dataclass
class ScrollState:
    """How far one scroll has gone."""

    id: str
    position: int = 0


class ScrollStates:
    """Load and save scroll states; an unknown or expired id starts a new scroll."""

    def __init__(self, client: redis.Redis, ttl: int = SCROLL_TTL_SEC) -> None:
        self._redis = client
        self._ttl = ttl

    @staticmethod
    def _key(scope: str, scroll_id: str) -> str:
        return f"scroll:{scope}:{scroll_id}"

    def load(self, scope: str, scroll_id: str | None) -> ScrollState:
        """Return the state of ``scroll_id`` within ``scope``, or a new state."""
        if scroll_id:
            raw = self._redis.get(self._key(scope, scroll_id))
            if raw:
                return ScrollState(scroll_id, int(json.loads(raw)["position"]))
        return ScrollState(uuid.uuid4().hex)

    def save(self, scope: str, state: ScrollState) -> None:
        """Store the state and refresh its TTL."""
        self._redis.set(self._key(scope, state.id), json.dumps({"position": state.position}),
                        ex=self._ttl)
