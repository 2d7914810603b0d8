"""The job store (Redis): lessons, their event streams, API keys, quotas and counters."""

from cluster.jobs.store.errors import (
    Busy,
    IdempotencyConflict,
    JobStoreError,
    JobStoreUnavailable,
    KeyRejected,
    LessonMissing,
    NotWaiting,
    QuotaExceeded,
)
from cluster.jobs.store.events import START, valid_stream_id
from cluster.jobs.store.models import (
    JOB_FINAL,
    ApiKey,
    BadJobTransition,
    CancelAnswer,
    Delivery,
    JobOp,
    JobState,
    LessonEntry,
    LessonJob,
    LessonOptions,
    NewLesson,
    Progress,
    StoredEvent,
    job_transition,
)
from cluster.jobs.store.quotas import QuotaLimits
from cluster.jobs.store.stats import VIOLATIONS
from cluster.jobs.store.store import JobStore, open_jobstore

__all__ = [
    "JOB_FINAL",
    "START",
    "VIOLATIONS",
    "ApiKey",
    "BadJobTransition",
    "Busy",
    "CancelAnswer",
    "Delivery",
    "IdempotencyConflict",
    "JobOp",
    "JobState",
    "JobStore",
    "JobStoreError",
    "JobStoreUnavailable",
    "KeyRejected",
    "LessonEntry",
    "LessonJob",
    "LessonMissing",
    "LessonOptions",
    "NewLesson",
    "NotWaiting",
    "Progress",
    "QuotaExceeded",
    "QuotaLimits",
    "StoredEvent",
    "job_transition",
    "open_jobstore",
    "valid_stream_id",
]
