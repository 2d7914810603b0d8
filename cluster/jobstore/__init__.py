"""The job store (Redis): lessons, their event streams, API keys, quotas and counters."""

from cluster.jobstore.errors import (
    Busy,
    IdempotencyConflict,
    JobStoreError,
    JobStoreUnavailable,
    KeyRejected,
    LessonMissing,
    QuotaExceeded,
)
from cluster.jobstore.events import START, valid_stream_id
from cluster.jobstore.models import (
    ApiKey,
    Delivery,
    Job,
    JobOp,
    JobState,
    LessonEntry,
    LessonOptions,
    Progress,
    StoredEvent,
)
from cluster.jobstore.quotas import QuotaLimits
from cluster.jobstore.stats import VIOLATIONS
from cluster.jobstore.store import JobStore, open_jobstore

__all__ = [
    "START",
    "VIOLATIONS",
    "ApiKey",
    "Busy",
    "Delivery",
    "IdempotencyConflict",
    "Job",
    "JobOp",
    "JobState",
    "JobStore",
    "JobStoreError",
    "JobStoreUnavailable",
    "KeyRejected",
    "LessonEntry",
    "LessonMissing",
    "LessonOptions",
    "Progress",
    "QuotaExceeded",
    "QuotaLimits",
    "StoredEvent",
    "open_jobstore",
    "valid_stream_id",
]
