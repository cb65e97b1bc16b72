"""Wiring of the jobs service: job service, handlers and the REST routes under /api/jobs/."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apiserver.config import Config
from apiserver.errors import ConfigError
from apiserver.rest import RestRoute
from apiserver.stores import Stores
from bll.jobs import JOB_DOCUMENTS, Archiver, ClusterRegistry, JobService, MarkArchived, NoArchiving
from endpoints import jobs

if TYPE_CHECKING:
    from endpoints import Domain

VERSION = "1.0"
ARCHIVERS: dict[str, type[MarkArchived] | type[NoArchiving]] = {
    "mark": MarkArchived, "none": NoArchiving,
}


def rest_routes() -> list[RestRoute]:
    """Return the REST routes of the jobs API (paths and methods of its Swagger)."""
    write = ("POST", "PUT")
    by_id = {"id": "id"}
    return [
        RestRoute(("GET",), "/api/jobs/", "jobs.get_jobs", VERSION, query=True),
        RestRoute(write, "/api/jobs/start_job/", "jobs.start_job", VERSION,
                  success_status=201, body=True),
        RestRoute(write, "/api/jobs/stop_job/", "jobs.stop_job", VERSION, body=True),
        RestRoute(write, "/api/jobs/stop_job/{id}", "jobs.stop_job_by_id", VERSION,
                  path_params=by_id, body=True),
        RestRoute(("DELETE",), "/api/jobs/delete_job/", "jobs.delete_job", VERSION, body=True),
        RestRoute(("DELETE",), "/api/jobs/delete_job/{id}", "jobs.delete_job_by_id", VERSION,
                  path_params=by_id),
        RestRoute(("DELETE",), "/api/jobs/delete_job_before/{ts}", "jobs.delete_job_before",
                  VERSION, path_params={"ts": "ts"}),
        RestRoute(("POST", "PATCH"), "/api/jobs/tag_job/{id}", "jobs.tag_job", VERSION,
                  path_params=by_id, body=True, body_field="tags"),
    ]


def archiver(config: Config) -> Archiver:
    """Return the configured archiver (``jobs.archiver``: mark | none)."""
    name = str(config.get("jobs.archiver", "mark"))
    if name not in ARCHIVERS:
        raise ConfigError(f"jobs.archiver must be one of {tuple(ARCHIVERS)}, got {name!r}")
    return ARCHIVERS[name]()


def build(stores: Stores, config: Config) -> Domain:
    """Build the job service and bind its handlers and REST routes."""
    from endpoints import Domain

    service = JobService(
        stores,
        ClusterRegistry.from_config(config.get("jobs.clusters", [])),
        archiver(config),
        lock_timeout=float(config.get("jobs.start_lock_timeout_sec", 30)),
    )
    return Domain(
        bindings=jobs.bindings(service),
        documents=JOB_DOCUMENTS,
        prepare=lambda _stores: service.prepare(),
        rest_routes=rest_routes(),
    )
