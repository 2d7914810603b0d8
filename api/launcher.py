"""Starting lesson runners off the request path: a POST records the job and answers; this
starts its runner, retrying until the job says it started (or ended), and a sweep hands it
every job nobody is starting: queued jobs an earlier API process left, and lost runners."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from cluster.jobs import runner
from cluster.jobs.config import RunnerConfig
from cluster.jobs.store import JobState, JobStore, LessonJob

log = logging.getLogger(__name__)
WORKERS = 4  # each launch mostly waits on Ray starting an actor process
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)  # then the sweep's turn
CONFIRM_S = 5.0  # how long a start that did not answer may still take to show in the store


class Launcher:
    def __init__(self, store: JobStore, config: RunnerConfig, stop: threading.Event) -> None:
        self.store = store
        self.config = config
        self.stop = stop
        self.pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="runner-launch")
        self.lock = threading.Lock()
        self.held: set[str] = set()  # lessons being launched here: the sweep leaves them

    def submit(self, job: LessonJob) -> bool:
        """Starts launching the job's runner; False if it is being launched already."""
        with self.lock:
            if job.lesson_id in self.held:
                return False
            self.held.add(job.lesson_id)
        self.pool.submit(self._launch, job)
        return True

    def holding(self) -> frozenset[str]:
        with self.lock:
            return frozenset(self.held)

    def close(self) -> None:
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _launch(self, job: LessonJob) -> None:
        try:
            for pause in (*BACKOFF_S, None):
                if self._attempt(job) or self.stop.is_set() or pause is None:
                    return
                self.stop.wait(pause)
        except Exception:  # the sweep retries; never let a launch error vanish silently
            log.exception("launching a runner failed", extra={"lesson": job.lesson_id})
        finally:
            with self.lock:
                self.held.discard(job.lesson_id)

    def _attempt(self, job: LessonJob) -> bool:
        """One try; True once the job no longer waits for a runner."""
        try:
            runner.launch(self.config, job)
        except runner.RunnerExists:
            if self._waiting(job) and time.time() - job.started_at >= runner.ORPHAN_AFTER_S:
                runner.remove_orphan(job)  # its API died between making it and starting it
        except Exception as e:  # noqa: BLE001 (Ray's errors are many; the job is safe in the store)
            log.warning("runner launch failed: %s: %s", type(e).__name__, e)
        return self._confirmed(job)

    def _confirmed(self, job: LessonJob) -> bool:
        deadline = time.monotonic() + CONFIRM_S
        while self._waiting(job):
            if time.monotonic() > deadline or self.stop.wait(0.2):
                return False
        return True

    def _waiting(self, job: LessonJob) -> bool:
        entry = self.store.lessons.get(job.lesson_id)
        now = entry.job if entry else None
        return now is not None and now.number == job.number and now.state is JobState.QUEUED


def sweep(store: JobStore, launcher: Launcher) -> list[str]:
    """Hands the launcher every job that needs a runner; their lesson ids."""
    jobs = runner.to_launch(store, launcher.holding())
    return [job.lesson_id for job in jobs if launcher.submit(job)]
