"""The job store (Redis): lessons, their event streams, API keys, quotas and counters."""

from cluster.jobs.store.errors import (
    Busy,
    IdempotencyConflict,
    JobStoreError,
    JobStoreUnavailable,
    KeyRejected,
    LessonMissing,
    QuotaExceeded,
)
from cluster.jobs.store.events import START, valid_stream_id
from cluster.jobs.store.models import (
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
from cluster.jobs.store.quotas import QuotaLimits
from cluster.jobs.store.stats import VIOLATIONS
from cluster.jobs.store.store import JobStore, open_jobstore

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
