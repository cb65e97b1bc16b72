"""HPC batch jobs (the ClusterCockpit job API): start, stop, tag, list and delete jobs."""

from bll.jobs.archive import Archiver, ArchiveResult, MarkArchived, NoArchiving
from bll.jobs.clusters import Cluster, ClusterRegistry, SubCluster
from bll.jobs.model import JOB_DOCUMENTS, JOB_STATES, Job, JobTag
from bll.jobs.service import JobService

__all__ = [
    "JOB_DOCUMENTS",
    "JOB_STATES",
    "ArchiveResult",
    "Archiver",
    "Cluster",
    "ClusterRegistry",
    "Job",
    "JobService",
    "JobTag",
    "MarkArchived",
    "NoArchiving",
    "SubCluster",
]
