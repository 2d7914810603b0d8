"""Lesson runners: one detached, named Ray actor per lesson job, outside the API process.

A job is recorded `queued` with its lesson (the API answers then); a launcher starts its
runner off the request path, and the runner's `start` marks the job `running` in the store
before it returns. So "the job says running" is the one proof a runner got its start call,
and whoever watches the store (`to_launch`, the API's sweep) can recover both kinds of loss:
a job still queued whose runner never started (its API died between making the actor and
calling it), and a running job whose actor is gone (its node died, the cluster restarted).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from cluster.farm import logs, ray_api
from cluster.farm.backend import RAY, Cluster
from cluster.farm.events import Event
from cluster.jobs.config import RunnerConfig
from cluster.jobs.store import JobState, JobStore, LessonJob, open_jobstore
from scenes import EventKind, LessonStatus, lesson_transition

log = logging.getLogger(__name__)
PREFIX = "scenefarm-lesson"
START_TIMEOUT_S = 60.0
RELAUNCH_GRACE_S = 20.0  # a running job's actor may still be registering
QUEUED_GRACE_S = 10.0  # a queued job this young is still in its launcher's hands
ORPHAN_AFTER_S = 30.0  # a queued job whose actor exists this long never got its start call
QUEUED_GIVE_UP_S = 600.0  # a runner that cannot be started for this long: the job fails
MAX_LAUNCHES = 3  # a job whose runners keep getting lost fails instead of looping forever


class RunnerExists(Exception):
    """A runner actor of this job's name exists already."""


def actor_name(job: LessonJob) -> str:
    return f"{PREFIX}-{job.lesson_id}-{job.number}"


class LessonRunner:
    """The actor: `start(job)` marks the job running and returns; it runs on its own thread."""

    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        logs.configure_unset(config.worker.log_format)
        self.thread: threading.Thread | None = None

    def start(self, job_json: str) -> bool:
        """True once the job is marked running (a second start joins the first); False when
        the job ended or changed before its runner came (the actor then ends)."""
        if self.thread is not None:
            return True
        job = LessonJob.model_validate_json(job_json)
        if not self._mark_started(job):
            threading.Thread(target=ray_api.end_this_actor, name="runner-end").start()
            return False
        self.thread = threading.Thread(target=self._main, args=(job,), name=actor_name(job))
        self.thread.start()
        return True

    def _mark_started(self, job: LessonJob) -> bool:
        config = self.config
        store = open_jobstore(config.redis_url, config.redis_timeout_s, None, config.events_max_len)
        try:
            moved = store.lessons.move_job(
                job.lesson_id, job.number, JobState.RUNNING, runner_started_at=time.time()
            )
        finally:
            store.close()
        return moved is not None

    def _main(self, job: LessonJob) -> None:
        from cluster.jobs.run_job import run_job  # the farm's imports, paid in the actor only

        try:
            run_job(self.config, job)
        except Exception:
            log.exception("lesson runner failed", extra={"lesson": job.lesson_id})
        finally:
            ray_api.end_this_actor()


def launch(config: RunnerConfig, job: LessonJob, cluster: Cluster = RAY) -> bool:
    """Makes the job's runner and calls its start: what `LessonRunner.start` answered.
    RunnerExists when an actor of that name is there already; Ray's errors pass through."""
    name = actor_name(job)
    options: dict[str, Any] = {"env_vars": config.env} if config.env else {}
    try:
        actor = cluster.job_actor(LessonRunner, name, options, config)
    except ValueError as e:  # the name is taken
        raise RunnerExists(name) from e
    ref = cluster.call(actor, "start", f"{job.lesson_id}/start", job.model_dump_json())
    return bool(cluster.get(ref, START_TIMEOUT_S))


def remove_orphan(job: LessonJob, cluster: Cluster = RAY) -> None:
    """Ends a runner that never got its start call, so a new one can take its name."""
    log.warning("ending a runner that never started", extra={"lesson": job.lesson_id})
    cluster.kill_actor(actor_name(job))


def to_launch(
    store: JobStore,
    held: set[str] | frozenset[str] = frozenset(),
    now: float | None = None,
    cluster: Cluster = RAY,
) -> list[LessonJob]:
    """Jobs whose runner must be (re)launched: queued ones nobody is launching (not in
    `held`, past their grace), and running ones whose actor is gone (moved back to queued).
    Jobs that cannot be started or keep getting lost fail here instead."""
    now = time.time() if now is None else now
    found = []
    for lesson_id in store.lessons.active():
        entry = store.lessons.get(lesson_id)
        job = entry.job if entry else None
        if entry is None or job is None or lesson_id in held:
            continue
        if job.state is JobState.QUEUED:
            if now - job.started_at >= QUEUED_GIVE_UP_S:
                give_up(store, entry.owner, job, "its runner could not be started")
            elif now - job.started_at >= QUEUED_GRACE_S:
                found.append(job)
        elif job.state is JobState.RUNNING:
            lost = _lost(store, entry.owner, job, now, cluster)
            if lost is not None:
                found.append(lost)
    return found


def _lost(
    store: JobStore, owner: str, job: LessonJob, now: float, cluster: Cluster
) -> LessonJob | None:
    """The job back in the queue if its runner is gone; None while it lives (or gave up)."""
    since = job.runner_started_at or job.started_at
    if now - since < RELAUNCH_GRACE_S or cluster.actor_exists(actor_name(job)):
        return None
    if job.launches >= MAX_LAUNCHES:
        give_up(store, owner, job, f"the lesson runner was lost {job.launches} times")
        return None
    log.warning("relaunching a lost runner", extra={"lesson": job.lesson_id, "job": job.number})
    return store.lessons.move_job(
        job.lesson_id, job.number, JobState.QUEUED, launches=job.launches + 1, started_at=now
    )


def give_up(store: JobStore, owner: str, job: LessonJob, why: str) -> None:
    """Ends a job that cannot run: the lesson fails, saying why, and its slot is freed."""
    error = f"{why}; giving up"
    ended = store.lessons.move_job(
        job.lesson_id, job.number, JobState.FAILED, error=error, ended_at=time.time()
    )
    if ended is None:  # it moved meanwhile: its runner lives after all
        return
    lesson = store.lessons.load(job.lesson_id)
    if lesson.status not in (LessonStatus.READY, LessonStatus.FAILED, LessonStatus.CANCELLED):
        lesson.status = lesson_transition(lesson.status, LessonStatus.FAILED)
        lesson.error = error
        store.lessons.save(lesson)
        store.events.append(Event(EventKind.LESSON_STATUS, job.lesson_id, detail="failed"))
    store.events.append(Event(EventKind.JOB_FAILED, job.lesson_id, detail=error))
    store.lessons.finish(owner, ended)
