"""The one boundary where storage driver exceptions become catalogue errors."""

from __future__ import annotations

import logging

import elasticsearch
import mongoengine
import redis
from elasticsearch.helpers import BulkIndexError
from pymongo import errors as mongo_errors

from apiserver.errors import APIError

log = logging.getLogger("bll.storage")


def translate_storage_error(exc: Exception) -> APIError | None:
    """Return the catalogue error for a storage exception, or None if it is not one."""
    if isinstance(exc, mongoengine.NotUniqueError | mongo_errors.DuplicateKeyError):
        return APIError("expected_unique_data", _duplicate_detail(exc))
    if isinstance(exc, mongoengine.ValidationError):
        fields = {k: str(v) for k, v in (exc.to_dict() or {}).items()}
        return APIError("data_validation_error", exc.message or None, **fields)
    if isinstance(exc, mongo_errors.ConnectionFailure | mongo_errors.ServerSelectionTimeoutError):
        return APIError("database_unavailable", "document store")
    if isinstance(exc, mongo_errors.PyMongoError):
        log.error("document store error: %s", exc)
        return APIError("internal_error", "document store error")
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return APIError("database_unavailable", "state store")
    if isinstance(exc, redis.RedisError):
        log.error("state store error: %s", exc)
        return APIError("internal_error", "state store error")
    if isinstance(exc, BulkIndexError):
        reasons = sorted({str(e.get("index", {}).get("error", {}).get("type", "unknown"))
                          for e in exc.errors[:20]})
        return APIError("data_error", f"{len(exc.errors)} document(s) not indexed",
                        reasons=reasons)
    if isinstance(exc, elasticsearch.ConnectionError):
        return APIError("database_unavailable", "event store")
    if isinstance(exc, elasticsearch.ApiError):
        if "cluster_block_exception" in str(exc):
            return APIError("low_disk_space")
        log.error("event store error: %s", exc)
        return APIError("data_error", "event store error")
    return None


def _duplicate_detail(exc: Exception) -> str:
    details = getattr(getattr(exc, "__cause__", None), "details", None) or \
        getattr(exc, "details", None) or {}
    values = details.get("keyValue") if isinstance(details, dict) else None
    if values:
        return ", ".join(f"{k}={v}" for k, v in values.items())
    return "a unique field already holds this value"
