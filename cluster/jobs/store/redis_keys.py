"""Every Redis key scenefarm uses, in one place (names carry what they hold)."""

from __future__ import annotations

import hashlib

P = "sf"
ACTIVE = f"{P}:active"  # set: lessons with a job in flight (resumed on API start-up)
STATUSES = f"{P}:lesson-status"  # hash: lesson id -> status, for the metrics
API_KEYS = f"{P}:apikeys"  # zset: key id by creation time
CHUNK_SECONDS = f"{P}:metrics:chunk-render-s"  # hash: histogram buckets, sum, count
VIOLATIONS = f"{P}:metrics:sandbox-violations"  # hash: sandbox status -> count
PENDING_CHUNKS = f"{P}:metrics:pending-chunks"  # hash: lesson id -> chunks not yet rendered
JOB_SECONDS = f"{P}:recent-job-s"  # list: how long recent finished jobs took, newest first


def lesson(lesson_id: str) -> str:
    """Hash: record (Lesson JSON), owner, options, job, cancel, progress, report:N."""
    return f"{P}:lesson:{lesson_id}"


def deliveries(lesson_id: str) -> str:
    """List: the webhook delivery log of a lesson, JSON entries."""
    return f"{P}:lesson:{lesson_id}:webhooks"


def events(lesson_id: str) -> str:
    """Stream: every event of a lesson, read by SSE."""
    return f"{P}:events:{lesson_id}"


def owner_lessons(owner: str) -> str:
    """Zset: an owner's lessons by creation time (pagination)."""
    return f"{P}:owner:{owner}:lessons"


def owner_active(owner: str) -> str:
    """Set: an owner's lessons with a job in flight (the concurrent-renders quota)."""
    return f"{P}:owner:{owner}:active"


def idempotency(owner: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # any header value, bounded key
    return f"{P}:idem:{owner}:{digest}"


def api_key(key_id: str) -> str:
    """Hash: owner, sha256, created_at, revoked, webhook_secret."""
    return f"{P}:apikey:{key_id}"


def api_key_by_hash(sha256: str) -> str:
    return f"{P}:apikey-hash:{sha256}"


def quota(owner: str, what: str, day: str) -> str:
    return f"{P}:quota:{owner}:{what}:{day}"
