"""Starting lesson jobs for API callers: the record first, then a runner, off the request path.

A new lesson is admitted in one Redis script (Idempotency-Key, quotas, the record and its first
job, together or not at all); the answer goes out as soon as that is stored, and the runtime's
launcher starts the runner. An idempotent replay is answered before any quota is counted.
"""

from __future__ import annotations

import hashlib
import logging

from api.errors import Conflict, GenerationUnavailable, InvalidRequest, NotFound
from api.plan_review import approved_plan
from api.runtime import Runtime
from api.schemas import LessonCreate, PlanApproval
from cluster.farm.events import Event
from cluster.jobs.store import (
    ApiKey,
    Busy,
    CancelAnswer,
    JobOp,
    LessonEntry,
    LessonJob,
    LessonOptions,
    NewLesson,
    QuotaExceeded,
)
from cluster.jobs.webhooks import WebhookTargetRefused, validate_webhook_url
from scenes import EventKind, Lesson, LessonStatus, new_lesson_id, questions
from scenes.status import lesson_approve, lesson_transition

log = logging.getLogger(__name__)
DEFAULT_MAX_SCENES = 12


def create(runtime: Runtime, caller: ApiKey, body: LessonCreate, idem_key: str | None) -> LessonJob:
    """Accepts a new lesson (its runner starts in the background); returns its first job."""
    if body.prompt is not None and not runtime.generation_enabled:
        raise GenerationUnavailable(
            "this server has no ANTHROPIC_API_KEY: send `scenes` with your own code instead"
        )
    store = runtime.store
    new = _new_lesson(runtime, caller, body, idem_key)
    if idem_key is not None:  # a replay is answered before any quota is looked at
        earlier = store.lessons.replayed(caller.owner, idem_key, new.fingerprint)
        if earlier is not None:
            return _job_of(runtime, caller, earlier)
    store.quotas.check_scenes(len(body.scenes) if body.scenes else new.options.max_scenes)
    store.quotas.check_video(caller.owner)
    earlier = store.lessons.admit(new, store.quotas.limits)  # the key, bound atomically
    if earlier is not None:
        return _job_of(runtime, caller, earlier)
    runtime.launch(new.job)
    return new.job


def _check_webhook(url: str, runtime: Runtime) -> None:
    """Refused here, when the lesson is made, and again at each delivery (names move)."""
    try:
        validate_webhook_url(url, runtime.runner.webhook)
    except WebhookTargetRefused as e:
        raise InvalidRequest([{"field": "webhook_url", "message": str(e)}]) from e


def _new_lesson(
    runtime: Runtime, caller: ApiKey, body: LessonCreate, idem_key: str | None
) -> NewLesson:
    limits = runtime.store.quotas.limits
    lesson_id = new_lesson_id()
    url = str(body.webhook_url) if body.webhook_url else None
    if url is not None:
        _check_webhook(url, runtime)
    options = LessonOptions(
        quality=body.quality,
        max_scenes=body.max_scenes or min(DEFAULT_MAX_SCENES, limits.scenes_per_lesson),
        webhook_url=url,
        key_id=caller.key_id,
        narration=body.narration,
        voice=body.voice,
        engine=body.engine,
        review_plan=body.review_plan,
    )
    return NewLesson(
        owner=caller.owner,
        lesson=Lesson(id=lesson_id, prompt=body.prompt or "", quality=body.quality),
        options=options,
        job=_first_job(lesson_id, body),
        idempotency_key=idem_key,
        fingerprint=hashlib.sha256(body.model_dump_json().encode()).hexdigest(),
        idempotency_ttl_s=runtime.settings.idempotency_ttl_s,
    )


def _first_job(lesson_id: str, body: LessonCreate) -> LessonJob:
    if body.scenes is not None:
        return LessonJob(
            lesson_id=lesson_id,
            number=1,
            op=JobOp.CREATE_FROM_CODE,
            codes=[s.code for s in body.scenes],
            engines=[s.engine for s in body.scenes],
            narrations=[s.narration for s in body.scenes],
        )
    pairs = [(a.question, a.answer) for a in body.answers or []]
    brief = questions.answered(body.prompt or "", pairs)  # what the planner reads
    op = JobOp.PLAN if body.review_plan else JobOp.CREATE
    return LessonJob(lesson_id=lesson_id, number=1, op=op, prompt=brief)


def _job_of(runtime: Runtime, caller: ApiKey, lesson_id: str) -> LessonJob:
    """The first job of a lesson made earlier with the same Idempotency-Key (stored with it)."""
    entry = runtime.store.lessons.owned(caller.owner, lesson_id)
    return entry.job or LessonJob(lesson_id=lesson_id, number=1, op=JobOp.CREATE)


def revise(
    runtime: Runtime, caller: ApiKey, lesson_id: str, index: int, op: JobOp, text: str
) -> LessonJob:
    """Starts an edit (text: the instruction) or a replacement (text: the code) of one scene."""
    store = runtime.store
    entry = store.lessons.owned(caller.owner, lesson_id)
    if op is JobOp.EDIT and not runtime.generation_enabled:
        raise GenerationUnavailable("this server has no ANTHROPIC_API_KEY: replace with code")
    _check_scene(entry, index, op)
    store.quotas.check_video(caller.owner)
    number = entry.job.number + 1 if entry.job else 1
    job = LessonJob(lesson_id=lesson_id, number=number, op=op, index=index)
    job = job.model_copy(update={"instruction": text} if op is JobOp.EDIT else {"code": text})
    store.quotas.take_lesson(caller.owner)  # every job counts against the lessons a day
    try:
        store.lessons.begin(caller.owner, job, store.quotas.limits.concurrent_renders)
    except (Busy, QuotaExceeded):
        store.quotas.give_back_lesson(caller.owner)
        raise
    runtime.launch(job)
    return job


def _check_scene(entry: LessonEntry, index: int, op: JobOp) -> None:
    lesson = entry.lesson
    if not 1 <= index <= len(lesson.scenes):
        raise NotFound(f"lesson {lesson.id} has no scene {index} (it has 1..{len(lesson.scenes)})")
    if op is JobOp.EDIT and lesson.scene(index).current is None:
        raise Conflict(f"scene {index} has no working version to edit; replace it with code")


def approve(runtime: Runtime, caller: ApiKey, lesson_id: str, body: PlanApproval) -> LessonJob:
    """Starts writing a lesson from its reviewed plan, exactly as `body` has it (no planning
    again). Conflict unless the lesson waits `planned` (approving twice is one too)."""
    store = runtime.store
    entry = store.lessons.owned(caller.owner, lesson_id)
    lesson = entry.lesson
    if lesson.status is not LessonStatus.PLANNED or lesson.plan is None:
        raise Conflict(f"lesson {lesson_id} is {lesson.status.value}: no plan waits for approval")
    if not runtime.generation_enabled:
        raise GenerationUnavailable("this server has no ANTHROPIC_API_KEY: it cannot write scenes")
    plan = approved_plan(lesson.plan, body)
    store.quotas.check_scenes(len(plan.scenes))
    store.quotas.check_video(caller.owner)
    approved = lesson.model_copy(update={"plan": plan, "status": lesson_approve(lesson.status)})
    number = entry.job.number + 1 if entry.job else 1
    job = LessonJob(lesson_id=lesson_id, number=number, op=JobOp.WRITE_PLAN)
    store.lessons.approve(caller.owner, approved, job, store.quotas.limits.concurrent_renders)
    store.events.append(Event(EventKind.LESSON_STATUS, lesson_id, detail=approved.status.value))
    runtime.launch(job)
    return job


def _cancel_planned(runtime: Runtime, entry: LessonEntry) -> LessonEntry:
    """A lesson waiting for its plan's approval: no job runs, so it ends `cancelled` here."""
    lesson = entry.lesson
    status = lesson_transition(lesson.status, LessonStatus.CANCELLED)
    ended = lesson.model_copy(update={"status": status, "error": "cancelled"})
    runtime.store.lessons.replace_if(ended, LessonStatus.PLANNED)  # NotWaiting: it moved
    runtime.store.events.append(Event(EventKind.LESSON_STATUS, lesson.id, detail=status.value))
    return entry.model_copy(update={"lesson": ended})


def cancel(runtime: Runtime, caller: ApiKey, lesson_id: str) -> LessonEntry:
    """Asks the running job to stop (a lesson waiting for approval ends at once); Conflict
    when nothing runs or it is too late to stop."""
    entry = runtime.store.lessons.owned(caller.owner, lesson_id)
    if entry.lesson.status is LessonStatus.PLANNED:
        return _cancel_planned(runtime, entry)
    answer = runtime.store.lessons.request_cancel(lesson_id)
    if answer is CancelAnswer.NOTHING_RUNS:
        raise Conflict(f"lesson {lesson_id} is {entry.lesson.status.value}: nothing runs to cancel")
    if answer is CancelAnswer.TOO_LATE:
        raise Conflict(
            f"lesson {lesson_id} is past the point where a cancel could stop it: "
            "its video is being stitched and published"
        )
    return entry
