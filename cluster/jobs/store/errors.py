"""What can go wrong with the job store: few, flat errors that api/ maps to HTTP in one place."""

from __future__ import annotations


class JobStoreError(Exception):
    """Base of job-store failures."""


class JobStoreUnavailable(JobStoreError):
    """Redis did not answer in time or refused the connection (the API answers 503)."""


class LessonMissing(JobStoreError):
    """No lesson with this id belongs to this owner."""


class KeyRejected(JobStoreError):
    """An API key that is malformed, unknown or revoked."""


class QuotaExceeded(JobStoreError):
    """An owner's quota is used up; `retry_after_s` says when to try again."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, retry_after_s)


class IdempotencyConflict(JobStoreError):
    """An Idempotency-Key was used before with a different request body."""


class Busy(JobStoreError):
    """The lesson is running a job already (a new edit must wait for it to end)."""


class NotWaiting(Busy):
    """The lesson is not waiting for what was asked (a plan to approve, a planned lesson to
    cancel): approved or cancelled already, or never planned for review (a 409, as Busy)."""
