"""Connections to MongoDB (mongoengine aliases), Redis and Elasticsearch, from configuration.

Clients are created in each worker process (after gunicorn forks) and closed on shutdown.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mongoengine
import redis
from elastic_transport import HttpHeaders, Urllib3HttpNode
from elastic_transport._models import DEFAULT, DefaultType
from elastic_transport._node._base import NodeApiResponse
from elasticsearch import Elasticsearch
from pymongo.database import Database

from apiserver.config import Config
from apiserver.errors import ConfigError

log = logging.getLogger("apiserver.stores")

MONGO_ALIASES = ("backend", "auth")
STORE_KEYS = {
    "mongo": ("mongo.backend.host", "mongo.auth.host"),
    "redis": ("redis.url",),
    "elastic": ("elastic.hosts",),
}
_COMPAT = "application/vnd.elasticsearch+json; compatible-with="
_COMPAT_NDJSON = "application/vnd.elasticsearch+x-ndjson; compatible-with="


def missing_stores(config: Config) -> tuple[str, ...]:
    """Return the stores (mongo, redis, elastic) whose addresses are not configured."""
    return tuple(
        name for name, keys in STORE_KEYS.items() if not all(config.get(k, None) for k in keys)
    )


class PlainJSONNode(Urllib3HttpNode):
    """An HTTP node that sends plain ``application/json`` instead of ES 8 compat types.

    NOTE: OpenSearch-compatible engines (osmem among them) answer 406 to the
    ``compatible-with=8`` media types that the elasticsearch-py 8 client sends.
    """

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        """Rewrite the compat media types, then send the request."""
        if headers is not None:
            headers = headers.copy()
            for name in ("content-type", "accept"):
                value = headers.get(name)
                if value and value.startswith(_COMPAT):
                    headers[name] = "application/json"
                elif value and value.startswith(_COMPAT_NDJSON):
                    headers[name] = "application/x-ndjson"
        return super().perform_request(
            method, target, body=body, headers=headers, request_timeout=request_timeout
        )


@dataclass
class Stores:
    """The store clients of one process."""

    redis: redis.Redis
    elastic: Elasticsearch
    index_prefix: str
    text_indexes: bool

    def mongo(self, alias: str) -> Database[Mapping[str, Any]]:
        """Return the pymongo database behind a mongoengine alias."""
        return mongoengine.get_db(alias)

    def close(self) -> None:
        """Close every client."""
        for alias in MONGO_ALIASES:
            mongoengine.disconnect(alias)
        self.redis.close()
        self.elastic.close()


def connect_stores(config: Config) -> Stores:
    """Create the clients from configuration; nothing is sent until first use."""
    missing = missing_stores(config)
    if missing:
        raise ConfigError(
            f"no address configured for {', '.join(missing)}: set "
            + ", ".join(k for name in missing for k in STORE_KEYS[name])
            + " (or run `apiserver serve`, which starts embedded engines for them)"
        )
    for alias in MONGO_ALIASES:
        mongoengine.disconnect(alias)
        mongoengine.connect(
            alias=alias,
            host=str(config.get(f"mongo.{alias}.host")),
            uuidRepresentation="standard",
            tz_aware=False,
            connect=False,
        )
    elastic = Elasticsearch(
        list(config.get("elastic.hosts")),
        request_timeout=float(config.get("elastic.request_timeout_sec", 30)),
        node_class=Urllib3HttpNode if config.get("elastic.compat_content_type", True)
        else PlainJSONNode,
    )
    text = config.get("mongo.text_indexes", "auto")
    stores = Stores(
        redis=redis.Redis.from_url(str(config.get("redis.url"))),
        elastic=elastic,
        index_prefix=str(config.get("elastic.index_prefix", "")),
        text_indexes=probe_text_indexes() if text == "auto" else bool(text),
    )
    return stores


def probe_text_indexes() -> bool:
    """Tell whether the document engine supports text indexes (SecantusDB does not)."""
    from pymongo.errors import OperationFailure, PyMongoError

    db = mongoengine.get_db("backend")
    probe = db["_capabilities"]
    try:
        probe.create_index([("probe", "text")], name="probe_text")
        return True
    except OperationFailure:
        return False
    except PyMongoError as exc:
        log.warning("cannot probe text index support (%s); assuming none", exc)
        return False
    finally:
        with contextlib.suppress(PyMongoError):
            probe.drop()
