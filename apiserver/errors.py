"""One error catalogue: every API error is a (code, subcode, name, message) entry.

Request-time errors derive from :class:`APIError`; start-up errors (broken schemas, bad
bindings, bad configuration) derive from :class:`StartupError`. The two families never mix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """A catalogue entry: HTTP status (= result_code), subcode, name and default message."""

    code: int
    subcode: int
    name: str
    message: str


def _entries(code: int, table: str) -> dict[str, ErrorCode]:
    """Build catalogue entries from ``subcode name message`` lines."""
    entries = {}
    for line in table.strip().splitlines():
        subcode, name, message = line.split(None, 2)
        entries[name] = ErrorCode(code, int(subcode), name, message)
    return entries


_BAD_REQUEST = _entries(400, """
0 bad_request Bad request
1 not_supported Endpoint is not supported
2 request_path_has_invalid_version Request path has an invalid version
5 invalid_headers Invalid headers
6 impersonation_error Impersonation error
10 invalid_id Invalid object id
11 missing_required_fields Missing required fields
12 validation_error Validation error
13 fields_not_allowed_for_role Fields not allowed for role
14 invalid_fields Invalid fields
15 fields_conflict Conflicting fields
16 fields_value_error Invalid value for fields
17 batch_contains_no_items Batch request contains no items
18 batch_validation_error Batch request is not valid
19 invalid_lucene_syntax Malformed lucene query
20 fields_type_error Invalid type for fields
21 invalid_regex_error Malformed regular expression
22 invalid_email_address Malformed email address
23 invalid_domain_name Malformed domain name
24 not_public_object Object is not public
75 invalid_access_key Access key not found for user
100 task_error General task error
101 invalid_task_id Invalid task id
102 task_validation_error Task validation error
110 invalid_task_status Invalid task status
111 task_not_started Task not started (invalid task status)
112 task_in_progress Task in progress (invalid task status)
113 task_published Task published (invalid task status)
114 task_status_unknown Task unknown (invalid task status)
120 invalid_task_execution_progress Invalid task execution progress
121 failed_changing_task_status Failed changing task status, probably due to a concurrent change
122 missing_task_fields Task is missing expected fields
123 task_cannot_be_deleted Task cannot be deleted
125 task_has_jobs_running Task has jobs that haven't completed yet
126 invalid_task_type Invalid task type for this operation
127 invalid_task_input Invalid task input
128 invalid_task_output Invalid task output
129 task_publish_in_progress Task publish already in progress
130 task_not_found Task not found
131 events_not_added Events not added
201 invalid_model_id Invalid model id
205 model_in_use Model is used by tasks
401 invalid_project_id Invalid project id
402 project_has_tasks Project has associated tasks
405 project_name_exists Project with this name already exists
701 invalid_queue_id Invalid queue id
702 queue_not_empty Queue is not empty
703 invalid_queue_or_task_not_queued Invalid queue id or task not in queue
704 removed_during_reposition Task was removed from the queue during reposition
705 failed_adding_during_reposition Failed adding the task back to the queue during reposition
706 task_already_queued Task is already queued
707 no_default_queue No queue is tagged as the default queue for this company
708 multiple_default_queues More than one queue is tagged as the default queue for this company
800 data_validation_error Data validation error
801 expected_unique_data Value combination already exists (unique field already contains this value)
1001 invalid_worker_id Invalid worker id
1002 worker_registration_failed Failed registering worker
1003 worker_registered Worker is already registered
1004 worker_not_registered Worker is not registered
1005 worker_stats_not_found Worker stats not found
1104 invalid_scroll_id Invalid scroll id
""")

_UNAUTHORIZED = _entries(401, """
1 not_authorized Unauthorized (not authorized for endpoint)
2 entity_not_allowed Unauthorized (entity not allowed)
10 bad_auth_type Unauthorized (bad authentication header type)
20 no_credentials Unauthorized (missing credentials)
21 bad_credentials Unauthorized (malformed credentials)
22 invalid_credentials Unauthorized (invalid credentials)
30 invalid_token Invalid token
31 blocked_token Token is blocked
40 invalid_fixed_user Unauthorized (invalid user)
""")

_FORBIDDEN = _entries(403, """
10 routing_error Forbidden (routing error)
12 blocked_internal_endpoint Forbidden (blocked internal endpoint)
20 role_not_allowed Forbidden (role not allowed)
21 no_write_permission Forbidden (no write permission)
""")

_OTHER = {
    "not_found": ErrorCode(404, 0, "not_found", "Endpoint not found"),
    "method_not_allowed": ErrorCode(405, 0, "method_not_allowed", "Method not allowed"),
    "gone": ErrorCode(410, 1, "gone", "Endpoint is no longer supported"),
    "unsupported_media_type": ErrorCode(
        415, 0, "unsupported_media_type", "Unsupported media type"
    ),
}

_SERVER_ERROR = _entries(500, """
0 general_error General server error
1 internal_error Internal server error
2 config_error Configuration error
3 build_info_error Build info error
4 low_disk_space Critical server error: low disk space
10 transaction_error Transaction error
100 data_error General data error
101 inconsistent_data Inconsistent data encountered in document
102 database_unavailable Database is temporarily unavailable
110 update_failed Update failed
201 missing_index Missing internal index
9999 not_implemented Action is not yet implemented
""")

# The jobs REST API (subcodes 1200+): ``extra`` carries the exact message of the REST body.
_JOBS = {
    **_entries(400, """
1200 invalid_job Job failed the start checks
1201 job_not_stoppable Job cannot be stopped
1202 invalid_rest_body Request body could not be parsed
1203 invalid_query_parameter Invalid query parameter
1204 invalid_path_parameter Invalid path parameter
"""),
    **_entries(404, """
1200 job_not_found Job not found
"""),
    **_entries(422, """
1200 job_lookup_failed No job matches the request
1201 duplicate_job A job with that jobId, cluster and startTime already exists
"""),
}

CATALOGUE: Mapping[str, ErrorCode] = {
    **_BAD_REQUEST, **_UNAUTHORIZED, **_FORBIDDEN, **_OTHER, **_SERVER_ERROR, **_JOBS,
}
"""Every API error by name. Names are unique across families."""


def _render_value(value: Any) -> str:
    if isinstance(value, list | tuple | set):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


class APIError(Exception):
    """An error answered to the caller with the catalogue entry's code and subcode.

    ``extra`` is appended to the default message in parentheses; ``fields`` become
    ``k=v`` pairs after a colon and are also returned as ``meta.error_data``.
    """

    def __init__(self, name: str, extra: str | None = None, **fields: Any) -> None:
        self.error = CATALOGUE[name]
        self.extra = extra
        self.fields = fields
        self.stack: str | None = None
        super().__init__(self.message)

    @property
    def code(self) -> int:
        """The HTTP status and ``result_code``."""
        return self.error.code

    @property
    def subcode(self) -> int:
        """The ``result_subcode``."""
        return self.error.subcode

    @property
    def message(self) -> str:
        """Render ``<default>[ (<extra>)][: k1=v1, k2=v2]``."""
        text = self.error.message
        if self.extra:
            text = f"{text} ({self.extra})"
        if self.fields:
            text += ": " + ", ".join(f"{k}={_render_value(v)}" for k, v in self.fields.items())
        return text


class StartupError(Exception):
    """Root of the errors that stop the server from starting."""


class SchemaError(StartupError):
    """A service schema file is broken; names the file, action and version."""

    kind = "schema error"

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        action: str | None = None,
        version: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.action = action
        self.version = version
        where = ", ".join(
            f"{label} {value}"
            for label, value in (("file", file), ("action", action), ("version", version))
            if value
        )
        super().__init__(f"{self.kind}: {where}: {reason}" if where else f"{self.kind}: {reason}")


class SchemaSyntaxError(SchemaError):
    """The file is not parseable HOCON, or a substitution cannot be resolved."""

    kind = "HOCON syntax error"


class SchemaIncludeError(SchemaError):
    """An ``include`` names a file that does not exist."""

    kind = "bad include"


class UnknownSchemaKeyError(SchemaError):
    """A key the schema format does not know."""

    kind = "unknown key"


class InvalidVersionKeyError(SchemaError):
    """An action key that should be a ``<major>.<minor>`` version is not."""

    kind = "invalid version key"


class UnresolvableRefError(SchemaError):
    """A ``$ref`` that points nowhere."""

    kind = "unresolvable $ref"


class InvalidJSONSchemaError(SchemaError):
    """A request or response schema that is not valid JSON Schema."""

    kind = "invalid JSON Schema"


class BindingError(StartupError):
    """A handler binding that does not fit the schemas."""


class DuplicateBindingError(BindingError):
    """Two handlers bound to the same action and version."""


class UnknownActionBindingError(BindingError):
    """A handler bound to an action, or a version, that the schemas do not have."""


class ConfigError(StartupError):
    """The configuration is missing a key or has a wrong value."""
