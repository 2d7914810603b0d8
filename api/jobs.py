"""Starting lesson jobs for API callers: idempotency, quotas, the record, then a runner.

Order matters: an idempotent replay is answered before any quota is counted; the lesson quota
is counted before the concurrency slot is claimed, and given back if the claim fails, so a
refused request leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging

from api.errors import Conflict, GenerationUnavailable, NotFound
from api.runtime import Runtime
from api.schemas import LessonCreate
from cluster.jobs import runner
from cluster.jobs.store import ApiKey, Job, JobOp, LessonEntry, LessonOptions, QuotaExceeded
from scenes import Lesson, new_lesson_id

log = logging.getLogger(__name__)
DEFAULT_MAX_SCENES = 12


def create(runtime: Runtime, caller: ApiKey, body: LessonCreate, idem_key: str | None) -> Job:
    """Accepts a new lesson and launches its runner; returns its first job."""
    if body.prompt is not None and not runtime.generation_enabled:
        raise GenerationUnavailable(
            "this server has no ANTHROPIC_API_KEY: send `scenes` with your own code instead"
        )
    store, lesson_id = runtime.store, new_lesson_id()
    if idem_key is not None:
        fingerprint = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
        ttl = runtime.settings.idempotency_ttl_s
        earlier = store.lessons.claim_idempotency(
            caller.owner, idem_key, lesson_id, fingerprint, ttl
        )
        if earlier is not None:
            return _job_of(runtime, caller, earlier)
    try:
        job = _admit(runtime, caller, body, lesson_id)
    except BaseException:
        if idem_key is not None:
            store.lessons.release_idempotency(caller.owner, idem_key)
        raise
    _launch(runtime, job)
    return job


def _admit(runtime: Runtime, caller: ApiKey, body: LessonCreate, lesson_id: str) -> Job:
    store, owner = runtime.store, caller.owner
    max_scenes = body.max_scenes or min(DEFAULT_MAX_SCENES, store.quotas.limits.scenes_per_lesson)
    store.quotas.check_scenes(len(body.scenes) if body.scenes else max_scenes)
    store.quotas.check_video(owner)
    store.quotas.take_lesson(owner)
    job = _first_job(lesson_id, body)
    try:
        store.lessons.begin(owner, job, store.quotas.limits.concurrent_renders)
    except QuotaExceeded:
        store.quotas.give_back_lesson(owner)
        raise
    url = str(body.webhook_url) if body.webhook_url else None
    options = LessonOptions(
        quality=body.quality, max_scenes=max_scenes, webhook_url=url, key_id=caller.key_id
    )
    lesson = Lesson(id=lesson_id, prompt=body.prompt or "", quality=body.quality)
    store.lessons.create(owner, lesson, options)
    return job


def _first_job(lesson_id: str, body: LessonCreate) -> Job:
    if body.scenes is not None:
        codes = [s.code for s in body.scenes]
        return Job(lesson_id=lesson_id, number=1, op=JobOp.CREATE_FROM_CODE, codes=codes)
    return Job(lesson_id=lesson_id, number=1, op=JobOp.CREATE, prompt=body.prompt or "")


def _job_of(runtime: Runtime, caller: ApiKey, lesson_id: str) -> Job:
    """The first job of a lesson made earlier with the same Idempotency-Key."""
    entry = runtime.store.lessons.get(lesson_id)
    if entry is None or entry.owner != caller.owner:  # still being created by the first request
        return Job(lesson_id=lesson_id, number=1, op=JobOp.CREATE)
    return entry.job or Job(lesson_id=lesson_id, number=1, op=JobOp.CREATE)


def revise(
    runtime: Runtime, caller: ApiKey, lesson_id: str, index: int, op: JobOp, text: str
) -> Job:
    """Starts an edit (text: the instruction) or a replacement (text: the code) of one scene."""
    store = runtime.store
    entry = store.lessons.owned(caller.owner, lesson_id)
    if op is JobOp.EDIT and not runtime.generation_enabled:
        raise GenerationUnavailable("this server has no ANTHROPIC_API_KEY: replace with code")
    _check_scene(entry, index, op)
    store.quotas.check_video(caller.owner)
    number = entry.job.number + 1 if entry.job else 1
    job = Job(lesson_id=lesson_id, number=number, op=op, index=index)
    job = job.model_copy(update={"instruction": text} if op is JobOp.EDIT else {"code": text})
    store.lessons.begin(caller.owner, job, store.quotas.limits.concurrent_renders)
    _launch(runtime, job)
    return job


def _check_scene(entry: LessonEntry, index: int, op: JobOp) -> None:
    lesson = entry.lesson
    if not 1 <= index <= len(lesson.scenes):
        raise NotFound(f"lesson {lesson.id} has no scene {index} (it has 1..{len(lesson.scenes)})")
    if op is JobOp.EDIT and lesson.scene(index).current is None:
        raise Conflict(f"scene {index} has no working version to edit; replace it with code")


def cancel(runtime: Runtime, caller: ApiKey, lesson_id: str) -> LessonEntry:
    entry = runtime.store.lessons.owned(caller.owner, lesson_id)
    if not runtime.store.lessons.request_cancel(lesson_id):
        raise Conflict(f"lesson {lesson_id} is {entry.lesson.status.value}: nothing runs to cancel")
    return entry


def _launch(runtime: Runtime, job: Job) -> None:
    """Starts the runner; if Ray fails now, the job stays in the store and the sweep retries."""
    try:
        runner.launch(runtime.runner, job)
    except Exception as e:  # Ray's errors are many; the job is safe in the store either way
        log.warning("runner launch failed, the sweep will retry: %s: %s", type(e).__name__, e)
