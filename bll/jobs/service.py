"""The job service: start, stop, tag, list and delete a company's jobs.

Every operation is scoped to the caller's company. Starting a job checks it against the
cluster registry, then refuses a duplicate (same jobId and cluster, started less than a day
earlier or at or after it) under a Redis lock that every API process shares, so two workers
cannot both insert the same job.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import redis
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError
from redis.exceptions import LockError

from apiserver.errors import APIError
from apiserver.stores import Stores
from bll.jobs.archive import Archiver
from bll.jobs.clusters import ClusterRegistry
from bll.jobs.model import (
    COUNTERS,
    JOB_SEQUENCE,
    RUNNING,
    TAG_SEQUENCE,
    Job,
    JobTag,
    Raw,
    next_id,
    seed_counters,
)

log = logging.getLogger("bll.jobs")

DUPLICATE_WINDOW_SEC = 86400
INT64_MAX = 2**63 - 1
LOCK_TIMEOUT_SEC = 30.0
LOCK_WAIT_SEC = 10.0
NOT_FOUND = "finding job failed: no such job"
NOT_STOPPABLE = "stopTime must be larger than startTime and only running jobs can be stopped"
_NEWEST = [("start_time", DESCENDING), ("_id", DESCENDING)]

# API field → stored field, in the order jobs are answered.
FIELDS = (
    ("jobId", "job_id"), ("user", "user"), ("project", "project"), ("cluster", "cluster"),
    ("subCluster", "sub_cluster"), ("partition", "partition"), ("arrayJobId", "array_job_id"),
    ("numNodes", "num_nodes"), ("numHwthreads", "num_hwthreads"), ("numAcc", "num_acc"),
    ("exclusive", "exclusive"), ("monitoringStatus", "monitoring_status"), ("smt", "smt"),
    ("jobState", "job_state"), ("duration", "duration"), ("walltime", "walltime"),
)
_RESOURCE_KEYS = ("hostname", "hwthreads", "accelerators", "configuration")


class JobService:
    """Jobs and their tags over MongoDB, with a Redis lock around duplicate check + insert."""

    def __init__(
        self,
        stores: Stores,
        clusters: ClusterRegistry,
        archiver: Archiver,
        lock_timeout: float = LOCK_TIMEOUT_SEC,
    ) -> None:
        self._stores = stores
        self._clusters = clusters
        self._archiver = archiver
        self._lock_timeout = lock_timeout

    @property
    def _jobs(self) -> Raw:
        return self._stores.mongo("backend")[Job._meta["collection"]]

    @property
    def _tags(self) -> Raw:
        return self._stores.mongo("backend")[JobTag._meta["collection"]]

    @property
    def _counters(self) -> Raw:
        return self._stores.mongo("backend")[COUNTERS]

    @property
    def _redis(self) -> redis.Redis:
        return self._stores.redis

    def prepare(self) -> None:
        """Create the id counters (indexes come from the documents)."""
        seed_counters(self._counters)

    # --- start -------------------------------------------------------------------------

    def start(self, company: str, request: Mapping[str, Any]) -> int:
        """Check and record a new running job; return its database id."""
        job = self._checked_job(company, request)
        key = f"jobs:start-lock:{company}:{job['cluster']}:{job['job_id']}"
        lock = self._redis.lock(key, timeout=self._lock_timeout, blocking_timeout=LOCK_WAIT_SEC)
        if not lock.acquire():
            raise APIError("internal_error", "timed out waiting for a concurrent start_job")
        try:
            self._refuse_duplicate(job)
            job["_id"] = next_id(self._counters, JOB_SEQUENCE)
            self._jobs.insert_one(job)
        finally:
            _release(lock)
        tags = request.get("tags") or []
        if tags:
            self._link_tags(company, job["_id"], tags)
        return int(job["_id"])

    def _checked_job(self, company: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Run the start checks in the reference order; return the document to insert."""
        cluster = self._clusters.get(str(request.get("cluster", "")))
        resources = [_resource(r) for r in request.get("resources") or []]
        sub_cluster = cluster.assign_subcluster(request.get("subCluster"), resources)
        user = str(request.get("user", ""))
        if not resources or not user:
            raise APIError("invalid_job", "'resources' and 'user' should not be empty")
        num_nodes, num_acc = int(request.get("numNodes", 0)), int(request.get("numAcc", 0))
        num_hwthreads = int(request.get("numHwthreads", 0))
        if num_acc < 0 or num_hwthreads < 0 or num_nodes < 1:
            raise APIError("invalid_job", "'numNodes', 'numAcc' or 'numHWThreads' invalid")
        if len(resources) != num_nodes:
            raise APIError("invalid_job", f"len(resources) does not equal numNodes "
                                          f"({len(resources)} vs {num_nodes})")
        meta_data = request.get("metaData")
        return {
            "company": company,
            "job_id": int(request["jobId"]),
            "user": user,
            "project": str(request.get("project", "")),
            "cluster": cluster.name,
            "sub_cluster": sub_cluster,
            "partition": str(request.get("partition", "")),
            "array_job_id": int(request.get("arrayJobId", 0)),
            "num_nodes": num_nodes,
            "num_hwthreads": num_hwthreads,
            "num_acc": num_acc,
            "exclusive": int(request.get("exclusive", 1)),
            "monitoring_status": int(request.get("monitoringStatus", 1)),
            "smt": int(request.get("smt", 0)),
            # NOTE: a started job is running, whatever state the request names.
            "job_state": RUNNING,
            "duration": int(request.get("duration", 0)),
            "walltime": int(request.get("walltime", 0)),
            "resources": resources,
            "meta_data": None if meta_data is None else json.dumps(meta_data),
            "start_time": int(request["startTime"]),
            "tags": [],
        }

    def _refuse_duplicate(self, job: Mapping[str, Any]) -> None:
        """Raise 422 if the same jobId and cluster started less than a day before, or since.

        The window is signed, as in the reference: ``new.start - old.start < 86400``.
        """
        found = self._jobs.find_one({
            "company": job["company"], "job_id": job["job_id"], "cluster": job["cluster"],
            "start_time": {"$gt": job["start_time"] - DUPLICATE_WINDOW_SEC},
        }, {"_id": 1})
        if found is not None:
            raise APIError("duplicate_job", "a job with that jobId, cluster and startTime "
                                            f"already exists: dbid: {found['_id']}")

    # --- stop --------------------------------------------------------------------------

    def stop(self, company: str, request: Mapping[str, Any], db_id: int | None = None
             ) -> dict[str, Any]:
        """Stop a running job (by database id, or by jobId/cluster/startTime); return it."""
        if db_id is None:
            job = self._find_by_request(company, request, prefer_running=True)
        else:
            job = self._jobs.find_one({"_id": int(db_id), "company": company})
        if job is None:
            raise APIError("job_lookup_failed", NOT_FOUND)
        stop_time = int(request["stopTime"])
        if job.get("job_state") != RUNNING or stop_time <= int(job["start_time"]):
            raise APIError("job_not_stoppable", NOT_STOPPABLE)
        state = str(request.get("jobState") or "completed")
        duration = stop_time - int(job["start_time"])
        updated = self._jobs.update_one(
            {"_id": job["_id"], "job_state": RUNNING},
            {"$set": {"job_state": state, "duration": duration}},
        )
        if updated.modified_count == 0:
            raise APIError("job_not_stoppable", NOT_STOPPABLE)  # stopped concurrently
        stopped = {**job, "job_state": state, "duration": duration}
        answer = self._output([stopped], with_metadata=True)[0]
        self._archive(stopped)
        return answer

    def _archive(self, job: Mapping[str, Any]) -> None:
        """Hand a stopped job to the archiver and store the outcome (status 0: no archiving)."""
        if int(job.get("monitoring_status", 1)) == 0:
            return
        result = self._archiver.archive(job)
        if result is None:
            return
        self._jobs.update_one({"_id": job["_id"]}, {"$set": {
            "monitoring_status": result.monitoring_status,
            "statistics": {k: dict(v) for k, v in result.statistics.items()},
        }})

    def _find_by_request(
        self, company: str, request: Mapping[str, Any], prefer_running: bool
    ) -> Mapping[str, Any] | None:
        """Find a job by jobId and optional cluster and startTime.

        Of several matches: the running one first when ``prefer_running``, then the newest id.
        """
        query: dict[str, Any] = {"company": company, "job_id": int(request["jobId"])}
        if request.get("cluster") is not None:
            query["cluster"] = request["cluster"]
        if request.get("startTime") is not None:
            query["start_time"] = int(request["startTime"])
        newest = [("_id", DESCENDING)]
        if prefer_running:
            found = self._jobs.find_one({**query, "job_state": RUNNING}, sort=newest)
            if found is not None:
                return found
        return self._jobs.find_one(query, sort=newest)

    # --- delete ------------------------------------------------------------------------

    def delete_by_id(self, company: str, db_id: int) -> str:
        """Delete one job by database id (422 if there is none); return the success message."""
        deleted = self._jobs.delete_one({"_id": int(db_id), "company": company})
        if deleted.deleted_count == 0:
            raise APIError("job_lookup_failed", NOT_FOUND)
        return f"Successfully deleted job {db_id}"

    def delete_by_request(self, company: str, request: Mapping[str, Any]) -> str:
        """Delete the newest job matching jobId (and cluster and startTime when given)."""
        job = self._find_by_request(company, request, prefer_running=False)
        if job is None:
            raise APIError("job_lookup_failed", NOT_FOUND)
        if self._jobs.delete_one({"_id": job["_id"]}).deleted_count == 0:
            raise APIError("job_lookup_failed", NOT_FOUND)  # deleted concurrently
        return f"Successfully deleted job {job['_id']}"

    def delete_before(self, company: str, ts: int) -> str:
        """Delete every job of the company that started before ``ts``, in any state."""
        deleted = self._jobs.delete_many({"company": company, "start_time": {"$lt": int(ts)}})
        return f"Successfully deleted {deleted.deleted_count} jobs"

    # --- tags --------------------------------------------------------------------------

    def tag(self, company: str, db_id: int, tags: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
        """Add tags (created on demand) to a job; a tag it already has is not added twice."""
        if self._jobs.find_one({"_id": int(db_id), "company": company}, {"_id": 1}) is None:
            raise APIError("job_not_found", NOT_FOUND)
        self._link_tags(company, int(db_id), tags)
        job = self._jobs.find_one({"_id": int(db_id), "company": company})
        if job is None:
            raise APIError("job_not_found", NOT_FOUND)  # deleted concurrently
        return self._output([job], with_metadata=True)[0]

    def _link_tags(self, company: str, db_id: int, tags: Iterable[Mapping[str, Any]]) -> None:
        ids = [self._tag_id(company, str(t["type"]), str(t["name"])) for t in tags]
        if ids:
            self._jobs.update_one({"_id": db_id}, {"$addToSet": {"tags": {"$each": ids}}})

    def _tag_id(self, company: str, type_: str, name: str) -> int:
        """Find or create the tag (type, name); the unique index settles creation races."""
        key = {"company": company, "type": type_, "name": name}
        found = self._tags.find_one(key, {"_id": 1})
        if found is not None:
            return int(found["_id"])
        new_id = next_id(self._counters, TAG_SEQUENCE)
        try:
            self._tags.insert_one({"_id": new_id, **key})
        except DuplicateKeyError:
            found = self._tags.find_one(key, {"_id": 1})
            if found is None:
                raise
            return int(found["_id"])
        return new_id

    # --- list --------------------------------------------------------------------------

    def get_jobs(self, company: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """Return a page of jobs, newest start first (ties: newest id first)."""
        query: dict[str, Any] = {"company": company}
        states = request.get("state")
        if states:
            query["job_state"] = {"$in": list(states)}
        if request.get("cluster") is not None:
            query["cluster"] = request["cluster"]
        if request.get("start-time"):
            query["start_time"] = _inclusive(*_time_range(str(request["start-time"])))
        page, size = int(request.get("page", 1)), int(request.get("items-per-page", 25))
        cursor = self._jobs.find(query, sort=_NEWEST)
        if size > 0:
            cursor = cursor.skip((page - 1) * size).limit(size)
        jobs = self._output(list(cursor), with_metadata=bool(request.get("with-metadata")))
        return {"jobs": jobs, "items": len(jobs), "page": page}

    # --- output ------------------------------------------------------------------------

    def _output(self, jobs: list[Mapping[str, Any]], with_metadata: bool) -> list[dict[str, Any]]:
        """Render stored jobs as the API's JobMeta (startTime in epoch seconds)."""
        tag_ids = {t for job in jobs for t in job.get("tags") or []}
        tags = {}
        if tag_ids:
            tags = {t["_id"]: t for t in self._tags.find({"_id": {"$in": sorted(tag_ids)}})}
        now = int(time.time())
        return [_job_output(job, tags, with_metadata, now) for job in jobs]


def _job_output(
    job: Mapping[str, Any], tags: Mapping[int, Mapping[str, Any]], with_metadata: bool, now: int
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": int(job["_id"])}
    for api, stored in FIELDS:
        out[api] = job.get(stored)
    start = int(job["start_time"])
    if out["jobState"] == RUNNING and not out["duration"]:
        out["duration"] = max(0, now - start)
    out["resources"] = job.get("resources")
    raw_meta = job.get("meta_data")
    out["metaData"] = json.loads(raw_meta) if with_metadata and raw_meta else None
    out["startTime"] = start
    out["tags"] = [
        {"id": int(tag["_id"]), "type": tag["type"], "name": tag["name"]}
        for tag in (tags.get(t) for t in job.get("tags") or []) if tag is not None
    ]
    statistics = job.get("statistics")
    if statistics and out["monitoringStatus"] == 3:
        out["statistics"] = statistics
    return out


def _resource(value: Mapping[str, Any]) -> dict[str, Any]:
    """Keep a resource's declared keys; empty optional ones are left out."""
    resource: dict[str, Any] = {"hostname": str(value.get("hostname", ""))}
    for key in _RESOURCE_KEYS[1:]:
        item = value.get(key)
        if item:
            resource[key] = [int(v) for v in item] if key == "hwthreads" else item
    return resource


def _time_range(text: str) -> tuple[int, int]:
    """Parse ``<from>-<to>`` (epoch seconds, inclusive); 400 when malformed."""
    low, sep, high = text.partition("-")
    try:
        if not sep:
            raise ValueError(text)
        bounds = int(low), int(high)
    except ValueError:
        raise APIError("invalid_query_parameter",
                       "invalid query parameter value: start-time: expected <from>-<to>") from None
    if max(bounds) > INT64_MAX:
        raise APIError("invalid_query_parameter",
                       "invalid query parameter value: start-time: out of range")
    return bounds


def _inclusive(low: int, high: int) -> dict[str, int]:
    """Match integers from ``low`` to ``high`` inclusive, written with exclusive bounds.

    NOTE: SecantusDB treats an inclusive bound ($gte/$lte) on a compound-index key followed by
    further keys as exclusive, silently dropping the boundary values; $gt/$lt are exact.
    """
    bounds = {"$gt": low - 1}
    if high < INT64_MAX:
        bounds["$lt"] = high + 1
    return bounds


def _release(lock: Any) -> None:
    """Release a lock; if it expired meanwhile, say so (another start may have raced)."""
    try:
        lock.release()
    except LockError:
        log.warning("start_job lock expired before release: %s", lock.name)
