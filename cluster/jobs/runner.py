"""Lesson runners: one detached, named Ray actor per lesson job, outside the API process.

The API only writes the request to the job store and launches a runner; the runner does the
job on a thread of its own (so no caller has to wait on it, and the API may restart freely),
writes status, versions and events to the store, and ends itself. A runner that is lost (its
node died, the cluster restarted) is launched again by `relaunch_lost` from the store.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from cluster.farm import ray_api
from cluster.farm.events import Event
from cluster.jobs.config import RunnerConfig
from cluster.jobs.store import Job, JobState, JobStore
from scenes import LessonStatus

log = logging.getLogger(__name__)
PREFIX = "scenefarm-lesson"
START_TIMEOUT_S = 60.0
RELAUNCH_GRACE_S = 20.0  # a job younger than this may still be launching
MAX_LAUNCHES = 3  # a job whose runners keep getting lost fails instead of looping forever


def actor_name(job: Job) -> str:
    return f"{PREFIX}-{job.lesson_id}-{job.number}"


class LessonRunner:
    """The actor: `start(job)` returns at once; the job runs on the actor's own thread."""

    def __init__(self, config: RunnerConfig) -> None:
        self.config = config
        self.thread: threading.Thread | None = None

    def start(self, job_json: str) -> bool:
        if self.thread is None:  # a second start (a relaunch race) joins the first
            job = Job.model_validate_json(job_json)
            self.thread = threading.Thread(target=self._main, args=(job,), name=actor_name(job))
            self.thread.start()
        return True

    def _main(self, job: Job) -> None:
        from cluster.jobs.run_job import run_job  # the farm's imports, paid in the actor only

        try:
            run_job(self.config, job)
        except Exception:
            log.exception("lesson runner failed", extra={"lesson": job.lesson_id})
        finally:
            ray_api.end_this_actor()


def launch(config: RunnerConfig, job: Job) -> None:
    """Starts the job's runner; a runner of that name already running is left to it."""
    name = actor_name(job)
    options: dict[str, Any] = {"env_vars": config.env} if config.env else {}
    try:
        actor = ray_api.job_actor(LessonRunner, name, options, config)
    except ValueError:  # the name is taken: that runner is this job's
        log.info("runner already running", extra={"lesson": job.lesson_id, "runner": name})
        return
    ray_api.get(
        ray_api.call(actor, "start", f"{job.lesson_id}/start", job.model_dump_json()),
        START_TIMEOUT_S,
    )


def relaunch_lost(store: JobStore, config: RunnerConfig, now: float | None = None) -> list[str]:
    """Launches runners again for jobs still running in the store whose actor is gone."""
    now = time.time() if now is None else now
    relaunched = []
    for lesson_id in store.lessons.active():
        entry = store.lessons.get(lesson_id)
        job = entry.job if entry else None
        if job is None or job.state is not JobState.RUNNING:
            continue
        if now - job.started_at < RELAUNCH_GRACE_S or ray_api.actor_exists(actor_name(job)):
            continue
        if not store.lessons.is_active(lesson_id):  # it ended between the two looks
            continue
        if job.launches >= MAX_LAUNCHES:
            _give_up(store, entry.owner if entry else "", job)
            continue
        log.warning("relaunching a lost runner", extra={"lesson": lesson_id, "job": job.number})
        job = job.model_copy(update={"launches": job.launches + 1, "started_at": now})
        store.lessons.set_job(job)
        launch(config, job)
        relaunched.append(lesson_id)
    return relaunched


def _give_up(store: JobStore, owner: str, job: Job) -> None:
    """Ends a job whose runners were lost MAX_LAUNCHES times: the lesson fails, saying so."""
    error = f"the lesson runner was lost {job.launches} times; giving up"
    lesson = store.lessons.load(job.lesson_id)
    if lesson.status not in (LessonStatus.READY, LessonStatus.FAILED, LessonStatus.CANCELLED):
        lesson.status, lesson.error = LessonStatus.FAILED, error
        store.lessons.save(lesson)
        store.events.append(Event("lesson_status", job.lesson_id, detail="failed"))
    ended = job.model_copy(
        update={"state": JobState.FAILED, "error": error, "ended_at": time.time()}
    )
    store.events.append(Event("job_failed", job.lesson_id, detail=error))
    store.lessons.finish(owner, ended)
