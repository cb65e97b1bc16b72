"""``jobs`` service: thin handlers over the job service (served as REST routes under /api)."""

from __future__ import annotations

from typing import Any

from apiserver.call import Call
from apiserver.registry import Binding
from bll.jobs import JobService


def bindings(jobs: JobService) -> list[Binding]:
    """Bind the jobs handlers to the job service."""

    def get_jobs(call: Call) -> dict[str, Any]:
        """Return a page of the company's jobs."""
        return jobs.get_jobs(call.company, call.data)

    def start_job(call: Call) -> dict[str, Any]:
        """Record a running job; answer its database id."""
        return {"id": jobs.start(call.company, call.data)}

    def stop_job(call: Call) -> dict[str, Any]:
        """Stop the job named by jobId (cluster, startTime)."""
        return jobs.stop(call.company, call.data)

    def stop_job_by_id(call: Call) -> dict[str, Any]:
        """Stop the job with this database id."""
        return jobs.stop(call.company, call.data, db_id=call.data["id"])

    def delete_job(call: Call) -> dict[str, Any]:
        """Delete the job named by jobId (cluster, startTime)."""
        return {"msg": jobs.delete_by_request(call.company, call.data)}

    def delete_job_by_id(call: Call) -> dict[str, Any]:
        """Delete the job with this database id."""
        return {"msg": jobs.delete_by_id(call.company, call.data["id"])}

    def delete_job_before(call: Call) -> dict[str, Any]:
        """Delete the jobs that started before a time."""
        return {"msg": jobs.delete_before(call.company, call.data["ts"])}

    def tag_job(call: Call) -> dict[str, Any]:
        """Add tags to a job; answer the job."""
        return jobs.tag(call.company, call.data["id"], call.data["tags"])

    handlers = (get_jobs, start_job, stop_job, stop_job_by_id, delete_job, delete_job_by_id,
                delete_job_before, tag_job)
    return [Binding(f"jobs.{h.__name__}", "1.0", h) for h in handlers]
