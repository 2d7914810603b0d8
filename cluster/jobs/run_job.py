"""One lesson job, as a runner does it: Studio on the farm, the record and events in Redis.

Plain Python (no ray import): the runner actor calls `run_job`, and so could a test. Whatever
happens, the job ends with a final state in the store, its concurrency slot released and, for
a ready or failed lesson, the webhook delivered (or its failed attempts logged).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from cluster.delivery.storage import open_storage
from cluster.farm.coordinator import LessonCancelled, LessonFailed
from cluster.farm.events import Event
from cluster.farm.service import Farm, FarmConfig
from cluster.jobs.config import RunnerConfig
from cluster.jobs.lesson_store import RedisLessonStore
from cluster.jobs.store import (
    VIOLATIONS,
    Delivery,
    JobOp,
    JobState,
    JobStore,
    JobStoreUnavailable,
    LessonEntry,
    LessonJob,
    Progress,
    QuotaExceeded,
    QuotaLimits,
    open_jobstore,
)
from cluster.jobs.webhooks import deliver
from cluster.lessons.narration import NarrationConfig
from cluster.lessons.studio import FINAL, Made, Studio
from renderers import PRESETS, Quality
from scenes import (
    Claude,
    EventKind,
    GenerationError,
    GenerationOptions,
    Lesson,
    LessonStatus,
    lesson_transition,
)

log = logging.getLogger(__name__)


@dataclass
class VideoBudget:
    """An owner's seconds of newly rendered video: counted as each chunk lands (failed and
    cancelled jobs cost what they rendered), and checked between chunk results."""

    store: JobStore  # opened with the owner's limits (RunnerConfig.video_s_per_day)
    owner: str
    fps: int

    def spend(self, frames: int) -> None:
        self.store.quotas.add_video(self.owner, frames / self.fps)

    def spent_all(self) -> bool:
        try:
            self.store.quotas.check_video(self.owner)
        except QuotaExceeded:
            return True
        return False


class Tracker:
    """The events sink: the lesson's stream, its chunk progress and the farm's counters; and
    whether every scene of the render is resolved (all its chunks in, or failed)."""

    def __init__(self, store: JobStore, lesson_id: str, budget: VideoBudget | None = None) -> None:
        self.store = store
        self.lesson_id = lesson_id
        self.budget = budget
        self.over_quota = False
        self.progress = Progress()
        self.scenes: int | None = None  # scenes the render has, once it started
        self.planned: dict[str, int] = {}
        self.done: Counter[str] = Counter()
        self.failed: set[str] = set()

    def __call__(self, event: Event) -> None:
        self._resolve(event)
        try:
            self.store.events.append(event)
            self._count(event)
        except JobStoreUnavailable as e:  # progress is best effort; the record's saves are not
            log.warning("event not stored", extra={"lesson": self.lesson_id, "error": str(e)})

    @property
    def all_resolved(self) -> bool:
        """Nothing is left that a cancel could stop: only stitching and publishing remain."""
        if self.scenes is None:
            return False
        planned = {s for s, n in self.planned.items() if self.done[s] >= n}
        return len(planned | self.failed) >= self.scenes

    def _resolve(self, event: Event) -> None:
        if event.kind == EventKind.LESSON_STARTED:
            head = event.detail.split(" ", 1)[0]
            self.scenes = int(head) if head.isdigit() else None
        elif event.kind == EventKind.SCENE_PLANNED:
            self.planned[event.scene] = int(event.data.get("chunks", 0))
        elif event.kind == EventKind.CHUNK_DONE:
            self.done[event.scene] += 1
            if self.budget is not None and not event.data.get("cached"):
                self.budget.spend(int(event.data.get("frames", 0)))
        elif event.kind == EventKind.SCENE_FAILED:
            self.failed.add(event.scene)

    def cancelled(self) -> bool:
        """Studio's cancel check: a cancel asked so far stops the job; once every scene is
        resolved, the check also seals the job, and later cancels are refused (409). A job
        whose owner's video seconds ran out stops too, unless nothing is left to render."""
        resolved = self.all_resolved
        if self.store.lessons.cancel_or_seal(self.lesson_id, seal=resolved):
            return True
        if not resolved and self.budget is not None and self.budget.spent_all():
            self.over_quota = True
            return True
        return False

    def _count(self, event: Event) -> None:
        if event.kind == EventKind.SCENE_PLANNED:  # before its chunks; later scenes add theirs
            self.progress.chunks_total += int(event.data.get("chunks", 0))
        elif event.kind == EventKind.CHUNKS_PLANNED:  # every scene planned: the lesson's total
            self.progress.chunks_total = int(event.data.get("total", 0))
        elif event.kind == EventKind.CHUNK_DONE:
            cached = bool(event.data.get("cached"))
            self.progress.chunks_done += 1
            self.progress.chunks_cached += cached
            if not cached:
                self.store.stats.observe_chunk(float(event.data.get("render_s", 0.0)))
        elif event.kind in (EventKind.SCENE_FAILED, EventKind.SANDBOX_VIOLATION):
            if event.data.get("status") in VIOLATIONS:
                self.store.stats.add_violation(str(event.data["status"]))
            return
        else:
            return
        self.store.lessons.set_progress(self.lesson_id, self.progress)
        pending = self.progress.chunks_total - self.progress.chunks_done
        self.store.stats.set_pending(self.lesson_id, pending)


@dataclass
class Outcome:
    state: JobState
    error: str = ""
    made: Made | None = None


def run_job(config: RunnerConfig, job: LessonJob) -> None:
    limits = (
        None
        if config.video_s_per_day is None
        else QuotaLimits(video_s_per_day=config.video_s_per_day)
    )
    store = open_jobstore(config.redis_url, config.redis_timeout_s, limits, config.events_max_len)
    entry = store.lessons.get(job.lesson_id)
    if entry is None:
        log.error("no such lesson", extra={"lesson": job.lesson_id})
        return
    tracker = Tracker(store, job.lesson_id, _budget(config, store, entry))
    store.lessons.set_progress(job.lesson_id, tracker.progress)  # not the last job's
    tracker(Event(EventKind.JOB_STARTED, job.lesson_id, detail=job.op.value, data=_job_data(job)))
    outcome = _perform(config, store, entry, job, tracker)
    _finish(config, store, entry, job, tracker, outcome)


def _budget(config: RunnerConfig, store: JobStore, entry: LessonEntry) -> VideoBudget | None:
    if config.video_s_per_day is None:
        return None
    fps = PRESETS[Quality(entry.options.quality)].fps
    return VideoBudget(store, entry.owner, fps)


def _perform(
    config: RunnerConfig, store: JobStore, entry: LessonEntry, job: LessonJob, tracker: Tracker
) -> Outcome:
    where = RedisLessonStore(
        store.lessons, job.lesson_id, config.data_dir / "lessons" / job.lesson_id
    )
    try:
        with Farm(_farm_config(config, entry.owner), lambda m: log.info(m)) as farm:
            studio = Studio(
                farm,
                Claude(config.claude) if config.claude else None,
                _options(config, entry),
                tracker,
                cancelled=tracker.cancelled,
                narration=_narration(config, entry),
            )
            return Outcome(JobState.DONE, made=_run_op(studio, where, job))
    except LessonCancelled:
        if tracker.over_quota:
            error = f"the owner's {config.video_s_per_day:g} s of video a day are used up"
            _fail_stopped(store, where, error)
            return Outcome(JobState.FAILED, error)
        return Outcome(JobState.CANCELLED, "cancelled")
    except (GenerationError, LessonFailed) as e:
        return Outcome(JobState.FAILED, str(e))
    except Exception as e:  # a broken farm or store: the lesson must still end, and say why
        log.exception("lesson job crashed", extra={"lesson": job.lesson_id})
        _fail_if_running(store, where, f"internal error: {type(e).__name__}: {e}")
        return Outcome(JobState.FAILED, f"internal error: {type(e).__name__}: {e}")


def _run_op(studio: Studio, where: RedisLessonStore, job: LessonJob) -> Made | None:
    """What the job made: a version; None for a plan kept for review."""
    if job.op is JobOp.EDIT:
        return studio.edit(where, job.index, job.instruction)
    if job.op is JobOp.REPLACE:
        return studio.replace(where, job.index, job.code)
    # a relaunched create starts over (an approved plan kept); cached chunks stay hits
    lesson = _fresh(where.load(), keep_plan=job.op is JobOp.WRITE_PLAN)
    if job.op is JobOp.CREATE_FROM_CODE:
        return studio.create_from_code(
            lesson, job.codes, where, narrations=job.narrations, engines=job.engines
        )
    if job.op is JobOp.WRITE_PLAN:
        return studio.write_plan(lesson, where)
    if job.op is JobOp.PLAN:
        studio.plan_only(lesson, where, brief=job.prompt or None)
        return None
    return studio.generate(lesson, where, brief=job.prompt or None)


def _fresh(lesson: Lesson, keep_plan: bool = False) -> Lesson:
    fresh = Lesson(
        id=lesson.id, prompt=lesson.prompt, quality=lesson.quality, created_at=lesson.created_at
    )
    if keep_plan:
        fresh.plan, fresh.plan_usage = lesson.plan, lesson.plan_usage
    return fresh


def _fail_if_running(store: JobStore, where: RedisLessonStore, error: str) -> None:
    try:
        lesson = where.load()
        if lesson.status not in FINAL:
            lesson.status, lesson.error = (
                lesson_transition(lesson.status, LessonStatus.FAILED),
                error,
            )
            where.save(lesson)
            store.events.append(Event(EventKind.LESSON_STATUS, lesson.id, detail="failed"))
    except Exception:  # the store itself may be what broke
        log.exception("could not mark the lesson failed", extra={"lesson": where.lesson_id})


def _fail_stopped(store: JobStore, where: RedisLessonStore, error: str) -> None:
    """A job the runner stopped itself (not a client's cancel): Studio ended the lesson
    `cancelled`, and it is a failure, saying why."""
    lesson = where.load()
    lesson.status, lesson.error = LessonStatus.FAILED, error
    where.save(lesson)
    store.events.append(Event(EventKind.LESSON_STATUS, lesson.id, detail="failed"))


def _farm_config(config: RunnerConfig, owner: str) -> FarmConfig:
    return FarmConfig(
        owner=owner,  # each owner's jobs in sandboxes of their own, under keys of their own
        data_dir=config.data_dir,
        workers=config.workers,
        worker=config.worker,
        idle_s=config.idle_s,
        storage=open_storage(config.storage),
        connected=True,
    )


def _options(config: RunnerConfig, entry: LessonEntry) -> GenerationOptions:
    return GenerationOptions(
        max_scenes=entry.options.max_scenes,
        max_fixes=config.max_fixes,
        max_layout_fixes=config.max_layout_fixes,
        engine=entry.options.engine,
    )


def _narration(config: RunnerConfig, entry: LessonEntry) -> NarrationConfig | None:
    """The farm's TTS in the lesson's voice, unless the lesson asked for silence. A code
    lesson speaks only the scenes given narration text; an edit speaks only if the lesson does
    (cluster/lessons/studio.py decides both)."""
    if config.narration is None or entry.options.narration is False:
        return None
    return replace(config.narration, voice=entry.options.voice or config.narration.voice)


def _finish(
    config: RunnerConfig,
    store: JobStore,
    entry: LessonEntry,
    job: LessonJob,
    tracker: Tracker,
    outcome: Outcome,
) -> None:
    ended = job.model_copy(
        update={"state": outcome.state, "error": outcome.error, "ended_at": time.time()}
    )
    if outcome.made is not None:
        _record_made(store, outcome.made)
    data = _job_data(ended)
    ended_kind = EventKind.of_job(outcome.state.value)
    tracker(Event(ended_kind, job.lesson_id, detail=outcome.error, data=data))
    store.lessons.finish(entry.owner, ended)  # after the last event: SSE ends on this
    if outcome.state in (JobState.DONE, JobState.FAILED):
        _notify(config, store, entry, ended)


def _record_made(store: JobStore, made: Made) -> None:
    # its seconds of video were counted chunk by chunk (VideoBudget), failed or not
    store.lessons.put_report(made.lesson.id, made.version.number, made.report.to_json())


def _job_data(job: LessonJob) -> dict[str, Any]:
    return {"job": job.number, "op": job.op.value, "state": job.state.value, "index": job.index}


def _notify(config: RunnerConfig, store: JobStore, entry: LessonEntry, job: LessonJob) -> None:
    url = entry.options.webhook_url
    key = store.keys.get(entry.options.key_id) if url else None
    if url is None or key is None:
        return
    lesson = store.lessons.load(job.lesson_id)
    event = _webhook_event(job, lesson)
    if event is None:
        return

    def record(delivery: Delivery) -> None:
        store.lessons.add_delivery(job.lesson_id, delivery)

    deliver(url, key.webhook_secret, event, _payload(event, lesson, job), config.webhook, record)


def _webhook_event(job: LessonJob, lesson: Lesson) -> str | None:
    """lesson.failed, lesson.ready, or lesson.planned (a plan waits for review); None for a
    planning job whose lesson was cancelled while the job ended (nothing to announce)."""
    if job.state is not JobState.DONE:
        return "lesson.failed"
    return {LessonStatus.PLANNED: "lesson.planned", LessonStatus.READY: "lesson.ready"}.get(
        lesson.status
    )


def _payload(event: str, lesson: Lesson, job: LessonJob) -> dict[str, Any]:
    latest = lesson.latest
    plan = lesson.plan.model_dump() if event == "lesson.planned" and lesson.plan else None
    return {
        "type": event,
        "lesson_id": lesson.id,
        "status": lesson.status.value,
        "error": lesson.error or job.error,
        "version": latest.number if latest else None,
        "video_url": latest.video_url if latest else None,
        "job": {"number": job.number, "op": job.op.value, "state": job.state.value},
        "scenes": [
            {
                "index": s.index,
                "class_name": s.class_name,
                "status": s.status.value,
                "error": s.error,
            }
            for s in lesson.scenes
        ],
        **({"plan": plan} if plan is not None else {}),
        "sent_at": time.time(),
    }
