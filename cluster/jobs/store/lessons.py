"""Lesson records in Redis: the Lesson JSON plus owner, options, job, progress and cancel flag.

Creating a lesson is one Lua script: the Idempotency-Key, the lessons-per-day count, the
concurrency slot, the record and its first job are bound together or not at all, so no crash
of an API process can leave a key naming a lesson that does not exist. Starting a later job is
one script too ("not already running" and "under the owner's concurrent renders" at once).

A job is recorded `queued`; its runner moves it to `running` when it starts (`mark_started`,
a WATCH/MULTI transaction), so whoever watches the store can tell a runner that never
started from one that was lost. The cancel field is `0`, `1` (asked) or `sealed`: the runner
seals it once a cancel could no longer stop anything, and a cancel after that is refused.
"""

from __future__ import annotations

import json
import time
from typing import Any

from redis.exceptions import WatchError

from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import (
    GuardedRedis,
    maybe_text,
    text_map,
    texts,
    unavailable_as_error,
)
from cluster.jobs.store.errors import (
    Busy,
    IdempotencyConflict,
    LessonMissing,
    NotWaiting,
    QuotaExceeded,
)
from cluster.jobs.store.models import (
    BadJobTransition,
    CancelAnswer,
    Delivery,
    JobState,
    LessonEntry,
    LessonJob,
    LessonOptions,
    NewLesson,
    Progress,
    job_transition,
)
from cluster.jobs.store.quotas import DAY_S, QuotaLimits, day_of, until_tomorrow_s
from cluster.jobs.store.retry_after import RECENT_JOBS, job_left_s, retry_after_s, typical_job_s
from scenes import Lesson, LessonStatus

MAX_DELIVERIES = 200  # the log keeps the latest attempts
SEALED = "sealed"

# KEYS: idempotency, owner's active set, active set, lesson hash, owner's lessons, statuses,
# today's lesson count. ARGV: use the key (0/1), "lesson-id fingerprint", key ttl, concurrent
# limit, lessons-per-day limit, count ttl, lesson id, record, owner, options, job, created_at,
# status. Replies: {'replay', earlier} | {'conflict'} | {'concurrency'} | {'lessons', used}
# | {'created'}.
_CREATE = """
if ARGV[1] == '1' then
  local earlier = redis.call('GET', KEYS[1])
  if earlier then
    local id, fingerprint = string.match(earlier, '^(%S+) (%S+)$')
    if fingerprint ~= string.match(ARGV[2], ' (%S+)$') then return {'conflict'} end
    return {'replay', id}
  end
end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[4]) then return {'concurrency'} end
local used = tonumber(redis.call('GET', KEYS[7]) or '0')
if used >= tonumber(ARGV[5]) then return {'lessons', tostring(used)} end
redis.call('INCR', KEYS[7])
redis.call('EXPIRE', KEYS[7], tonumber(ARGV[6]))
redis.call('SADD', KEYS[2], ARGV[7])
redis.call('SADD', KEYS[3], ARGV[7])
redis.call('HSET', KEYS[4], 'record', ARGV[8], 'owner', ARGV[9], 'options', ARGV[10],
           'job', ARGV[11], 'cancel', '0')
redis.call('ZADD', KEYS[5], ARGV[12], ARGV[7])
redis.call('HSET', KEYS[6], ARGV[7], ARGV[13])
if ARGV[1] == '1' then redis.call('SET', KEYS[1], ARGV[2], 'EX', tonumber(ARGV[3])) end
return {'created'}
"""

# KEYS: active set, lesson hash. ARGV: lesson id. 1 asked, 0 nothing runs, -1 too late.
_CANCEL = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[2], 'cancel') == 'sealed' then return -1 end
redis.call('HSET', KEYS[2], 'cancel', '1')
return 1
"""

# KEYS: lesson hash. ARGV: seal (0/1). 1 when a cancel was asked; else 0, sealed if asked to.
_CANCEL_OR_SEAL = """
if redis.call('HGET', KEYS[1], 'cancel') == '1' then return 1 end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], 'cancel', 'sealed') end
return 0
"""

_BEGIN = """
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return -1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'job', ARGV[3], 'cancel', '0')
return 1
"""

# A planned lesson's plan approved: KEYS: owner's active set, active set, lesson hash, statuses.
# ARGV: concurrent limit, lesson id, job, record, the status it must have, its new status.
# -2 not waiting (its status is another), -1 a job runs, 0 the owner's limit, 1 begun.
_APPROVE = """
if redis.call('HGET', KEYS[4], ARGV[2]) ~= ARGV[5] then return -2 end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return -1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[3], 'job', ARGV[3], 'record', ARGV[4], 'cancel', '0')
redis.call('HDEL', KEYS[3], 'progress')
redis.call('HSET', KEYS[4], ARGV[2], ARGV[6])
return 1
"""

# A lesson's record replaced if its status is still ARGV[2]. KEYS: statuses, lesson hash.
# ARGV: lesson id, the status it must have, record, its new status. 1 replaced, 0 not.
_SWAP_RECORD = """
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[2], 'record', ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
return 1
"""


class LessonRecords:
    def __init__(self, client: GuardedRedis) -> None:
        self.r = client
        self._begin = client.register_script(_BEGIN)
        self._create = client.register_script(_CREATE)
        self._cancel = client.register_script(_CANCEL)
        self._cancel_or_seal = client.register_script(_CANCEL_OR_SEAL)
        self._approve = client.register_script(_APPROVE)
        self._swap_record = client.register_script(_SWAP_RECORD)

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

    def replayed(self, owner: str, key: str, fingerprint: str) -> str | None:
        """The lesson an earlier request with this key made (None: none did);
        IdempotencyConflict when that request had another body."""
        earlier = maybe_text(self.r.get(redis_keys.idempotency(owner, key)))
        if earlier is None:
            return None
        lesson_id, _, earlier_fingerprint = earlier.partition(" ")
        if earlier_fingerprint != fingerprint:
            raise IdempotencyConflict("this Idempotency-Key was used with a different request")
        return lesson_id

    def admit(self, new: NewLesson, limits: QuotaLimits, now: float | None = None) -> str | None:
        """Stores the lesson with its first job, bound to its Idempotency-Key, in one step.

        None when stored; the earlier lesson's id when the key was used before for the same
        request (nothing is stored or counted then). IdempotencyConflict when the key was used
        for another request; QuotaExceeded past the lessons-per-day or concurrency limit.
        """
        now = time.time() if now is None else now
        lesson, owner = new.lesson, new.owner
        idem = redis_keys.idempotency(owner, new.idempotency_key or "")
        reply = texts(
            self._create(
                keys=[
                    idem,
                    redis_keys.owner_active(owner),
                    redis_keys.ACTIVE,
                    redis_keys.lesson(lesson.id),
                    redis_keys.owner_lessons(owner),
                    redis_keys.STATUSES,
                    redis_keys.quota(owner, "lessons", day_of(now)),
                ],
                args=[
                    int(new.idempotency_key is not None),
                    f"{lesson.id} {new.fingerprint}",
                    new.idempotency_ttl_s,
                    limits.concurrent_renders,
                    limits.lessons_per_day,
                    2 * DAY_S,
                    lesson.id,
                    lesson.model_dump_json(),
                    owner,
                    new.options.model_dump_json(),
                    new.job.model_dump_json(),
                    repr(lesson.created_at),
                    lesson.status.value,
                ],
            )
        )
        if reply[0] == "concurrency":
            raise self._too_many(owner, limits.concurrent_renders, now)
        return _admitted(reply, limits, now)

    # -- jobs ----------------------------------------------------------------------------

    def begin(self, owner: str, job: LessonJob, concurrent_limit: int) -> None:
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
            raise self._too_many(owner, concurrent_limit, time.time())

    def approve(self, owner: str, lesson: Lesson, job: LessonJob, concurrent_limit: int) -> None:
        """A plan kept for review approved, in one step: the lesson must still be `planned`
        (else NotWaiting: approved or cancelled meanwhile), no job may run (Busy) and the owner
        must have a slot (QuotaExceeded); then `lesson` (the approved plan, its new status)
        and `job` are stored, and the slot is the job's."""
        claimed = self._approve(
            keys=[
                redis_keys.owner_active(owner),
                redis_keys.ACTIVE,
                redis_keys.lesson(lesson.id),
                redis_keys.STATUSES,
            ],
            args=[
                concurrent_limit,
                lesson.id,
                job.model_dump_json(),
                lesson.model_dump_json(),
                LessonStatus.PLANNED.value,
                lesson.status.value,
            ],
        )
        if claimed == -2:
            raise NotWaiting(f"lesson {lesson.id} has no plan waiting for approval")
        if claimed == -1:
            raise Busy(f"lesson {lesson.id} is still ending its planning job: try again")
        if claimed == 0:
            raise self._too_many(owner, concurrent_limit, time.time())

    def replace_if(self, lesson: Lesson, expected: LessonStatus) -> None:
        """Stores `lesson` if the stored one is still `expected` (NotWaiting otherwise)."""
        swapped = self._swap_record(
            keys=[redis_keys.STATUSES, redis_keys.lesson(lesson.id)],
            args=[lesson.id, expected.value, lesson.model_dump_json(), lesson.status.value],
        )
        if not swapped:
            raise NotWaiting(f"lesson {lesson.id} is no longer {expected.value}")

    def _too_many(self, owner: str, limit: int, now: float) -> QuotaExceeded:
        """The concurrency refusal, with Retry-After until the owner's first running job is
        expected to end (cluster/jobs/store/retry_after.py)."""
        wait_s = retry_after_s(self._jobs_left_s(owner, now))
        return QuotaExceeded(f"at most {limit} lessons may render at once", wait_s)

    def _jobs_left_s(self, owner: str, now: float) -> list[float]:
        recent = [float(s) for s in texts(self.r.lrange(redis_keys.JOB_SECONDS, 0, -1))]
        typical = typical_job_s(recent)
        lefts = []
        for lesson_id in texts(self.r.smembers(redis_keys.owner_active(owner))):
            job_raw, progress_raw = self.r.hmget(redis_keys.lesson(lesson_id), "job", "progress")
            job = maybe_text(job_raw)
            if job is None:
                continue
            progress = maybe_text(progress_raw)
            lefts.append(
                job_left_s(
                    LessonJob.model_validate_json(job),
                    Progress.model_validate_json(progress) if progress else Progress(),
                    typical,
                    now,
                )
            )
        return lefts

    def move_job(
        self, lesson_id: str, number: int, to: JobState, **changes: Any
    ) -> LessonJob | None:
        """Moves job `number` of the lesson to `to` (with `changes`) in one WATCH/MULTI
        transaction; None when the lesson's job is another one, or cannot move so."""
        key = redis_keys.lesson(lesson_id)
        with unavailable_as_error(), self.r.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)  # type: ignore[no-untyped-call]
                    moved = _moved(maybe_text(pipe.hget(key, "job")), number, to, changes)
                    if moved is None:
                        return None
                    pipe.multi()
                    pipe.hset(key, "job", moved.model_dump_json())
                    pipe.execute()
                    return moved
                except WatchError:
                    continue  # the job changed meanwhile: look again

    def set_job(self, job: LessonJob) -> None:
        self.r.hset(redis_keys.lesson(job.lesson_id), "job", job.model_dump_json())

    def finish(self, owner: str, job: LessonJob) -> None:
        """Records how the job ended and releases its concurrency slot."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(redis_keys.lesson(job.lesson_id), "job", job.model_dump_json())
        pipe.srem(redis_keys.owner_active(owner), job.lesson_id)
        pipe.srem(redis_keys.ACTIVE, job.lesson_id)
        pipe.hdel(redis_keys.PENDING_CHUNKS, job.lesson_id)
        if job.ended_at is not None:  # what a client refused for concurrency waits by
            pipe.lpush(redis_keys.JOB_SECONDS, f"{job.ended_at - job.started_at:.3f}")
            pipe.ltrim(redis_keys.JOB_SECONDS, 0, RECENT_JOBS - 1)
        with unavailable_as_error():
            pipe.execute()

    def is_active(self, lesson_id: str) -> bool:
        return bool(self.r.sismember(redis_keys.ACTIVE, lesson_id))

    def active(self) -> list[str]:
        return sorted(texts(self.r.smembers(redis_keys.ACTIVE)))

    # -- cancel, progress, reports, deliveries -------------------------------------------

    def request_cancel(self, lesson_id: str) -> CancelAnswer:
        """Asks the running job to stop, unless it is past the point of no return."""
        answer = int(
            self._cancel(keys=[redis_keys.ACTIVE, redis_keys.lesson(lesson_id)], args=[lesson_id])
        )
        return {1: CancelAnswer.ASKED, 0: CancelAnswer.NOTHING_RUNS}.get(
            answer, CancelAnswer.TOO_LATE
        )

    def cancel_requested(self, lesson_id: str) -> bool:
        return maybe_text(self.r.hget(redis_keys.lesson(lesson_id), "cancel")) == "1"

    def cancel_or_seal(self, lesson_id: str, seal: bool) -> bool:
        """True when a cancel was asked; otherwise, with `seal`, refuses every later one."""
        return bool(self._cancel_or_seal(keys=[redis_keys.lesson(lesson_id)], args=[int(seal)]))

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


def _moved(raw: str | None, number: int, to: JobState, changes: dict[str, Any]) -> LessonJob | None:
    job = LessonJob.model_validate_json(raw) if raw else None
    if job is None or job.number != number:
        return None
    try:
        state = job_transition(job.state, to)
    except BadJobTransition:
        return None
    return job.model_copy(update={**changes, "state": state})


def _admitted(reply: list[str], limits: QuotaLimits, now: float) -> str | None:
    outcome = reply[0]
    if outcome == "replay":
        return reply[1]
    if outcome == "conflict":
        raise IdempotencyConflict("this Idempotency-Key was used with a different request")
    if outcome == "lessons":
        raise QuotaExceeded(
            f"at most {limits.lessons_per_day} lessons a day", until_tomorrow_s(now)
        )
    return None


def _entry(raw: dict[str, str]) -> LessonEntry:
    return LessonEntry(
        lesson=Lesson.model_validate_json(raw["record"]),
        owner=raw["owner"],
        options=LessonOptions.model_validate_json(raw["options"]),
        job=LessonJob.model_validate_json(raw["job"]) if raw.get("job") else None,
        progress=Progress.model_validate_json(raw["progress"]) if "progress" in raw else Progress(),
        cancel_requested=raw.get("cancel") == "1",
    )
