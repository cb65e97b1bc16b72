"""Job and tag documents (MongoDB ``backend.job``, ``backend.job_tag``) and id counters.

Jobs and tags are addressed by integer ids, as in the reference API; ids come from an atomic
counter document per kind (``backend.job_counter``). Services use raw pymongo on these
collections; the documents declare the stored shape and the indexes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from mongoengine import DictField, Document, IntField, ListField, LongField, StringField
from pymongo import ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from apiserver.errors import APIError

JOB_STATES = ("running", "completed", "failed", "cancelled", "stopped", "timeout",
              "preempted", "out_of_memory")
RUNNING = "running"
COUNTERS = "job_counter"
JOB_SEQUENCE = "job"
TAG_SEQUENCE = "tag"
_COUNTER_ATTEMPTS = 20


class Job(Document):
    """One batch job of a company; ``id`` is the integer database id."""

    id = LongField(primary_key=True)
    company = StringField(required=True)
    job_id = LongField(required=True)
    user = StringField()
    project = StringField()
    cluster = StringField(required=True)
    sub_cluster = StringField()
    partition = StringField()
    array_job_id = LongField()
    num_nodes = IntField()
    num_hwthreads = IntField()
    num_acc = IntField()
    exclusive = IntField()
    monitoring_status = IntField()
    smt = IntField()
    job_state = StringField(choices=JOB_STATES)
    duration = LongField()
    walltime = LongField()
    resources = ListField(DictField())
    # NOTE: JSON text, as the reference stores it: any key survives (no "$" or "." limits).
    meta_data = StringField()
    start_time = LongField()
    tags = ListField(LongField())
    statistics = DictField()
    meta = {
        "db_alias": "backend",
        "collection": "job",
        "strict": False,
        "indexes": [
            ("company", "job_id", "cluster", "start_time"),
            # NOTE: ascending: SecantusDB drops the bound of $gte on a descending index key;
            # newest-first listings walk these backwards.
            ("company", "start_time", "id"),
            ("company", "job_state", "start_time"),
            ("company", "cluster", "start_time"),
        ],
    }


class JobTag(Document):
    """A tag of a company's jobs, unique on (type, name)."""

    id = LongField(primary_key=True)
    company = StringField(required=True)
    type = StringField(required=True)
    name = StringField(required=True)
    meta = {
        "db_alias": "backend",
        "collection": "job_tag",
        "strict": False,
        "indexes": [{"fields": ("company", "type", "name"), "unique": True}],
    }


JOB_DOCUMENTS: tuple[type[Document], ...] = (Job, JobTag)

Raw = Collection[Mapping[str, Any]]


def seed_counters(counters: Raw) -> None:
    """Create the id counters if missing (idempotent; avoids racing first upserts)."""
    for name in (JOB_SEQUENCE, TAG_SEQUENCE):
        try:
            counters.update_one({"_id": name}, {"$setOnInsert": {"seq": 0}}, upsert=True)
        except DuplicateKeyError:
            continue  # another process created it first


def next_id(counters: Raw, name: str) -> int:
    """Allocate the next id of a sequence with one atomic increment.

    NOTE: SecantusDB may answer None to a racing upsert that returns the new document (real
    MongoDB retries, or raises DuplicateKeyError); the increment still happened, so retrying
    only leaves a gap in the sequence, never hands out an id twice.
    """
    for attempt in range(_COUNTER_ATTEMPTS):
        try:
            found = counters.find_one_and_update(
                {"_id": name}, {"$inc": {"seq": 1}}, upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            found = None
        if found is not None:
            return int(found["seq"])
        time.sleep(0.001 * attempt)
    raise APIError("internal_error", f"cannot allocate a {name} id")
