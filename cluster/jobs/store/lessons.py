"""Lesson records in Redis: the Lesson JSON plus owner, options, job, progress and cancel flag.

Starting a job is one Lua script, so "not already running" and "under the owner's concurrent
renders quota" are checked and claimed atomically, even with several API processes.
"""

from __future__ import annotations

import json
from typing import Any

from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import (
    GuardedRedis,
    maybe_text,
    text_map,
    texts,
    unavailable_as_error,
)
from cluster.jobs.store.errors import Busy, IdempotencyConflict, LessonMissing, QuotaExceeded
from cluster.jobs.store.models import Delivery, Job, LessonEntry, LessonOptions, Progress
from scenes import Lesson

CONCURRENCY_RETRY_S = 30
MAX_DELIVERIES = 200  # the log keeps the latest attempts

_BEGIN = """
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return -1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'job', ARGV[3], 'cancel', '0')
return 1
"""


class LessonRecords:
    def __init__(self, client: GuardedRedis) -> None:
        self.r = client
        self._begin = client.register_script(_BEGIN)

    # -- creating and reading ------------------------------------------------------------

    def create(self, owner: str, lesson: Lesson, options: LessonOptions) -> None:
        """Stores a new lesson (no job yet: `begin` claims one)."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(
            redis_keys.lesson(lesson.id),
            mapping={
                "record": lesson.model_dump_json(),
                "owner": owner,
                "options": options.model_dump_json(),
                "cancel": "0",
            },
        )
        pipe.zadd(redis_keys.owner_lessons(owner), {lesson.id: lesson.created_at})
        pipe.hset(redis_keys.STATUSES, lesson.id, lesson.status.value)
        with unavailable_as_error():
            pipe.execute()

    def get(self, lesson_id: str) -> LessonEntry | None:
        raw = text_map(self.r.hgetall(redis_keys.lesson(lesson_id)))
        if "record" not in raw:
            return None
        return _entry(raw)

    def owned(self, owner: str, lesson_id: str) -> LessonEntry:
        """The lesson if `owner` owns it; LessonMissing otherwise (another owner's is missing)."""
        entry = self.get(lesson_id)
        if entry is None or entry.owner != owner:
            raise LessonMissing(f"no lesson {lesson_id}")
        return entry

    def load(self, lesson_id: str) -> Lesson:
        raw = maybe_text(self.r.hget(redis_keys.lesson(lesson_id), "record"))
        if raw is None:
            raise LessonMissing(f"no lesson {lesson_id}")
        return Lesson.model_validate_json(raw)

    def save(self, lesson: Lesson) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(redis_keys.lesson(lesson.id), "record", lesson.model_dump_json())
        pipe.hset(redis_keys.STATUSES, lesson.id, lesson.status.value)
        with unavailable_as_error():
            pipe.execute()

    def page(self, owner: str, offset: int, limit: int) -> tuple[list[LessonEntry], int]:
        """An owner's lessons, newest first, and how many there are in all."""
        ids = texts(self.r.zrevrange(redis_keys.owner_lessons(owner), offset, offset + limit - 1))
        total = int(self.r.zcard(redis_keys.owner_lessons(owner)))
        pipe = self.r.pipeline(transaction=False)
        for lesson_id in ids:
            pipe.hgetall(redis_keys.lesson(lesson_id))
        with unavailable_as_error():
            rows = [text_map(row) for row in pipe.execute()]
        return [_entry(row) for row in rows if "record" in row], total

    # -- idempotency ---------------------------------------------------------------------

    def claim_idempotency(
        self, owner: str, key: str, lesson_id: str, fingerprint: str, ttl_s: int
    ) -> str | None:
        """None when `key` now names `lesson_id`; the earlier lesson's id when the key was
        used before for the same request; IdempotencyConflict when for another request."""
        name = redis_keys.idempotency(owner, key)
        for _ in range(3):  # the earlier claim may expire between SET NX and GET
            if self.r.set(name, f"{lesson_id} {fingerprint}", nx=True, ex=ttl_s):
                return None
            earlier = maybe_text(self.r.get(name))
            if earlier is not None:
                earlier_id, _, earlier_fingerprint = earlier.partition(" ")
                if earlier_fingerprint != fingerprint:
                    raise IdempotencyConflict(
                        "this Idempotency-Key was used with a different request"
                    )
                return earlier_id
        raise IdempotencyConflict("this Idempotency-Key is being claimed concurrently")

    def release_idempotency(self, owner: str, key: str) -> None:
        """Frees a key whose request was refused, so a retry is not answered with nothing."""
        self.r.delete(redis_keys.idempotency(owner, key))

    # -- jobs ----------------------------------------------------------------------------

    def begin(self, owner: str, job: Job, concurrent_limit: int) -> None:
        """Claims a job for the lesson: Busy if one runs, QuotaExceeded past the owner's limit."""
        claimed = self._begin(
            keys=[
                redis_keys.owner_active(owner),
                redis_keys.ACTIVE,
                redis_keys.lesson(job.lesson_id),
            ],
            args=[concurrent_limit, job.lesson_id, job.model_dump_json()],
        )
        if claimed == -1:
            raise Busy(f"lesson {job.lesson_id} is running a job already")
        if claimed == 0:
            raise QuotaExceeded(
                f"at most {concurrent_limit} lessons may render at once", CONCURRENCY_RETRY_S
            )

    def set_job(self, job: Job) -> None:
        self.r.hset(redis_keys.lesson(job.lesson_id), "job", job.model_dump_json())

    def finish(self, owner: str, job: Job) -> None:
        """Records how the job ended and releases its concurrency slot."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(redis_keys.lesson(job.lesson_id), "job", job.model_dump_json())
        pipe.srem(redis_keys.owner_active(owner), job.lesson_id)
        pipe.srem(redis_keys.ACTIVE, job.lesson_id)
        pipe.hdel(redis_keys.PENDING_CHUNKS, job.lesson_id)
        with unavailable_as_error():
            pipe.execute()

    def is_active(self, lesson_id: str) -> bool:
        return bool(self.r.sismember(redis_keys.ACTIVE, lesson_id))

    def active(self) -> list[str]:
        return sorted(texts(self.r.smembers(redis_keys.ACTIVE)))

    # -- cancel, progress, reports, deliveries -------------------------------------------

    def request_cancel(self, lesson_id: str) -> bool:
        """Sets the cancel flag if a job runs; False when there is nothing to cancel."""
        if not self.is_active(lesson_id):
            return False
        self.r.hset(redis_keys.lesson(lesson_id), "cancel", "1")
        return True

    def cancel_requested(self, lesson_id: str) -> bool:
        return maybe_text(self.r.hget(redis_keys.lesson(lesson_id), "cancel")) == "1"

    def set_progress(self, lesson_id: str, progress: Progress) -> None:
        self.r.hset(redis_keys.lesson(lesson_id), "progress", progress.model_dump_json())

    def put_report(self, lesson_id: str, number: int, report: dict[str, Any]) -> None:
        self.r.hset(redis_keys.lesson(lesson_id), f"report:{number}", json.dumps(report))

    def report(self, lesson_id: str, number: int) -> dict[str, Any] | None:
        raw = maybe_text(self.r.hget(redis_keys.lesson(lesson_id), f"report:{number}"))
        return json.loads(raw) if raw else None

    def add_delivery(self, lesson_id: str, delivery: Delivery) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.rpush(redis_keys.deliveries(lesson_id), delivery.model_dump_json())
        pipe.ltrim(redis_keys.deliveries(lesson_id), -MAX_DELIVERIES, -1)
        with unavailable_as_error():
            pipe.execute()

    def deliveries(self, lesson_id: str) -> list[Delivery]:
        raw = texts(self.r.lrange(redis_keys.deliveries(lesson_id), 0, -1))
        return [Delivery.model_validate_json(d) for d in raw]


def _entry(raw: dict[str, str]) -> LessonEntry:
    return LessonEntry(
        lesson=Lesson.model_validate_json(raw["record"]),
        owner=raw["owner"],
        options=LessonOptions.model_validate_json(raw["options"]),
        job=Job.model_validate_json(raw["job"]) if raw.get("job") else None,
        progress=Progress.model_validate_json(raw["progress"]) if "progress" in raw else Progress(),
        cancel_requested=raw.get("cancel") == "1",
    )
