"""A pool of warm render-worker actors and a dispatcher that fans tasks out over it."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cluster.farm.backend import RAY, Cluster
from cluster.farm.worker import Failure, Outcome, RenderWorker, WorkerConfig

log = logging.getLogger(__name__)
PREFIX = "scenefarm-worker"
# A worker that died is restarted by Ray; calls sent before it is back fail at once. It rests
# before it gets work again (doubling with each loss), or a retry would burn its attempts on a
# dead address within milliseconds.
LOST_WORKER_REST_S = 2.0


@dataclass
class Task:
    key: str
    method: str
    args: tuple[Any, ...]
    name: str  # shown in the Ray dashboard: lesson/scene/chunk
    weight: float = 1.0  # heavier tasks go first
    timeout_s: float = 900.0
    attempts: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Flight:
    task: Task
    worker: int
    started: float


class WorkerPool:
    """N detached, named worker actors for one owner and config, reused across runs."""

    def __init__(
        self,
        config: WorkerConfig,
        workers: int,
        cpus: float,
        cluster: Cluster = RAY,
        worker_cls: type = RenderWorker,
    ) -> None:
        self.config = config
        self.size = workers
        self.cluster = cluster
        # The pool's size is in its name: actors of a pool of another size hold another share
        # of the CPUs, and reusing them with new ones could ask Ray for more than there is.
        prefix = f"{PREFIX}-{config.owner}-{config.digest()}-{workers}x-"
        self._retire_other_configs(cluster, f"{PREFIX}-{config.owner}-", prefix)
        num_cpus = min(1.0, cpus / workers) if workers > 0 else 1.0
        self.actors = [
            cluster.worker_actor(worker_cls, f"{prefix}{i}", num_cpus, config)
            for i in range(workers)
        ]
        self.info: dict[str, Any] = {}

    @staticmethod
    def _retire_other_configs(cluster: Cluster, owner_prefix: str, keep_prefix: str) -> None:
        for name in cluster.list_actor_names(owner_prefix):
            if not name.startswith(keep_prefix):
                cluster.kill_actor(name)

    def warm(self, timeout_s: float = 180.0) -> dict[str, Any]:
        """Starts every worker's sandbox in parallel; returns the first worker's info."""
        calls = enumerate(self.actors)
        refs = [self.cluster.call(a, "warm", f"warm/worker-{i}") for i, a in calls]
        outcomes: list[Outcome] = [self.cluster.get(r, timeout_s) for r in refs]
        for outcome in outcomes:
            if outcome.failure:
                raise RuntimeError(outcome.failure.message)
        self.info = dict(outcomes[0].value)
        return self.info


class Dispatcher:
    """Runs tasks on free workers, heaviest first; retries tasks whose worker died."""

    def __init__(self, pool: WorkerPool, max_retries: int = 2) -> None:
        self.pool = pool
        self.cluster = pool.cluster
        self.max_retries = max_retries
        self.queue: list[Task] = []
        self.free = list(range(len(pool.actors)))
        self.resting: dict[int, float] = {}  # lost worker -> when it may be used again
        self.losses: dict[int, int] = {}
        self.flights: dict[Any, _Flight] = {}

    def submit(self, tasks: list[Task]) -> None:
        self.queue = sorted([*self.queue, *tasks], key=lambda t: -t.weight)

    def drop(self, predicate: Callable[[Task], bool]) -> list[Task]:
        """Removes queued (not yet running) tasks matching predicate; returns them."""
        dropped = [t for t in self.queue if predicate(t)]
        self.queue = [t for t in self.queue if not predicate(t)]
        return dropped

    def results(self) -> Iterator[tuple[Task, Outcome]]:
        while self.queue or self.flights:
            self._launch()
            if not self.flights:  # every worker is resting after a loss
                time.sleep(0.1)
                continue
            done, _ = self.cluster.wait(list(self.flights), timeout_s=0.5)
            for ref in done:
                result = self._collect(ref)
                if result is not None:
                    yield result
            self._expire()

    def _launch(self) -> None:
        now = time.monotonic()
        for worker, until in list(self.resting.items()):
            if until <= now:
                del self.resting[worker]
                self.free.append(worker)
        while self.free and self.queue:
            task, worker = self.queue.pop(0), self.free.pop(0)
            task.attempts += 1
            ref = self.cluster.call(self.pool.actors[worker], task.method, task.name, *task.args)
            self.flights[ref] = _Flight(task, worker, time.monotonic())

    def _collect(self, ref: Any) -> tuple[Task, Outcome] | None:
        flight = self.flights.pop(ref)
        try:
            outcome: Outcome = self.cluster.get(ref)
        except self.cluster.worker_lost_errors() as e:
            log.warning("worker lost", extra={"task": flight.task.name, "worker": flight.worker})
            losses = self.losses[flight.worker] = self.losses.get(flight.worker, 0) + 1
            rest_s = LOST_WORKER_REST_S * 2 ** (losses - 1)
            self.resting[flight.worker] = time.monotonic() + rest_s
            return self._retry_or_fail(flight.task, f"worker died: {type(e).__name__}")
        self.free.append(flight.worker)
        if outcome.failure and outcome.failure.retryable:
            return self._retry_or_fail(flight.task, outcome.failure.message)
        return flight.task, outcome

    def _retry_or_fail(self, task: Task, why: str) -> tuple[Task, Outcome] | None:
        if task.attempts <= self.max_retries:
            self.queue.insert(0, task)
            return None
        scene = str(task.meta.get("scene", ""))
        failure = Failure(
            scene, "WorkerLost", f"{why} (after {task.attempts} attempts)", status="killed"
        )
        return task, Outcome(failure=failure)

    def _expire(self) -> None:
        """A task past its timeout: kill its worker (it restarts), which fails the call."""
        now = time.monotonic()
        for flight in self.flights.values():
            if now - flight.started > flight.task.timeout_s and not flight.task.meta.get("expired"):
                flight.task.meta["expired"] = True
                self.cluster.kill_worker(self.pool.actors[flight.worker])


def default_workers(cpus: float) -> int:
    return max(1, math.floor(cpus))
