"""An elastic pool of warm render-worker actors, and a dispatcher that fans tasks out over it.

The pool follows the cluster: one worker per slot of every node (see cluster/farm/nodes.py),
pinned to its node. The dispatcher looks at the nodes every `REFRESH_S` while it runs: a node
that joined gets workers (warmed, then given work), a node that left loses them, and the
tasks they were running go back to the queue. A task may require a worker group (a scene's
device class): it runs only on that group's workers.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Gauge

from cluster.farm.backend import RAY, ActorHandle, Cluster
from cluster.farm.nodes import DEFAULT_GROUP, Placement, placements
from cluster.farm.worker import Failure, Outcome, RenderWorker, WorkerConfig

log = logging.getLogger(__name__)
PREFIX = "scenefarm-worker"
# A worker that died is restarted by Ray; calls sent before it is back fail at once. It rests
# before it gets work again (doubling with each loss), or a retry would burn its attempts on a
# dead address within milliseconds.
LOST_WORKER_REST_S = 2.0
REFRESH_S = 2.0  # how often a running dispatcher looks for nodes that joined or left
# How long tasks of a group with no worker at all wait (for an autoscaler to add a node of
# that group, on the queue depth below) before they fail.
GROUP_WAIT_S = 600.0
WARM_TIMEOUT_S = 180.0

# Per worker group, for autoscalers; Ray exports its copy (ray_api.set_queue_depth) with its
# own prefix, as ray_scenefarm_group_queue_depth{group}. (The API's scenefarm_queue_depth{kind}
# counts chunks and lessons from the job store.)
QUEUE_DEPTH = Gauge(
    "scenefarm_group_queue_depth",
    "Farm tasks queued for a worker group, not yet running",
    ["group"],
)


@dataclass
class Task:
    key: str
    method: str
    args: tuple[Any, ...]
    name: str  # shown in the Ray dashboard: lesson/scene/chunk
    weight: float = 1.0  # heavier tasks go first
    timeout_s: float = 900.0
    attempts: int = 0
    meta: dict[str, Any] = field(default_factory=dict)  # the dispatcher adds worker, node, group
    group: str | None = None  # the worker group it must run in; None: any


@dataclass
class _Flight:
    task: Task
    worker: str
    started: float


@dataclass(frozen=True)
class Slot:
    """One worker of the pool: its actor's name, handle, node and group."""

    name: str
    actor: ActorHandle
    node: str
    group: str


class NoWorkers(RuntimeError):
    """The cluster has no node that can hold a render worker."""


class WorkerPool:
    """Detached, named worker actors for one owner and config, one per slot of each node,
    reused across runs; `refresh` follows nodes that join and leave."""

    def __init__(
        self,
        config: WorkerConfig,
        workers: int | None = None,
        cluster: Cluster = RAY,
        worker_cls: type = RenderWorker,
    ) -> None:
        self.config = config
        self.workers = workers  # None: one per slot; else that many, spread as slots are
        self.cluster = cluster
        self.worker_cls = worker_cls
        self.prefix = f"{PREFIX}-{config.owner}-{config.digest()}-"
        self.slots: dict[str, Slot] = {}
        self._placements: dict[str, Placement] = {}
        self.info: dict[str, Any] = {}
        self.refreshed_at = 0.0
        self.refresh()

    @property
    def size(self) -> int:
        return len(self.slots)

    @property
    def actors(self) -> list[ActorHandle]:
        return [slot.actor for slot in self.slots.values()]

    def refresh(self) -> tuple[list[Slot], list[Slot]]:
        """Makes the workers match the nodes alive now; returns the slots added and gone."""
        self.refreshed_at = time.monotonic()
        wanted = {self._name(p): p for p in placements(self.cluster.nodes(), self.workers)}
        self._placements = wanted
        if set(wanted) == set(self.slots):
            return [], []
        gone = [self.slots.pop(name) for name in list(self.slots) if name not in wanted]
        # Workers of another config, pool shape or a node that left: their resources are
        # what the wanted ones need.
        for name in self.cluster.list_actor_names(f"{PREFIX}-{self.config.owner}-"):
            if name not in wanted:
                self.cluster.kill_actor(name)
        added = [self._add(name, where) for name, where in wanted.items() if name not in self.slots]
        if added or gone:
            log.info(
                "worker pool follows the cluster", extra={"added": len(added), "gone": len(gone)}
            )
        return added, gone

    def revive(self, name: str) -> None:
        """Makes sure a worker that was lost exists again: the same actor if Ray restarted
        it, a new one if it was ended (by another farm's pool that saw the cluster a moment
        earlier, say). Its sandbox starts on its first task."""
        slot = self.slots.get(name)
        if slot is not None and slot.name in self._placements:
            self._add(name, self._placements[name])

    def _add(self, name: str, where: Placement) -> Slot:
        actor = self.cluster.placed_actor(self.worker_cls, name, where, self.config)
        slot = self.slots[name] = Slot(name, actor, where.node_id, where.group)
        return slot

    def _name(self, where: Placement) -> str:
        # The worker's share of its node is in its name: one of another share (the node's
        # slots changed) would hold more or less of the node than there is for it now.
        share = f"{where.num_cpus:g}c{where.num_gpus:g}g"
        return f"{self.prefix}{where.group}-{where.node_id[:16]}-{share}-{where.index}"

    def warm(self, timeout_s: float = WARM_TIMEOUT_S) -> dict[str, Any]:
        """Starts every worker's sandbox in parallel; returns the first worker's info. Waits
        up to timeout_s for a node that can hold workers, if there is none yet."""
        deadline = time.monotonic() + timeout_s
        while not self.slots:
            if time.monotonic() > deadline:
                raise NoWorkers("no node of the cluster has CPUs or a worker group for workers")
            time.sleep(1.0)
            self.refresh()
        slots = list(self.slots.values())
        refs = [self.cluster.call(s.actor, "warm", f"warm/{s.name}") for s in slots]
        outcomes: list[Outcome] = [self.cluster.get(r, timeout_s) for r in refs]
        for outcome in outcomes:
            if outcome.failure:
                raise RuntimeError(outcome.failure.message)
        self.info = dict(outcomes[0].value)
        return self.info

    def publish_depth(self, group: str, depth: int) -> None:
        """The group's queue depth, for Prometheus (this process) and Ray's metrics."""
        QUEUE_DEPTH.labels(group=group).set(depth)
        try:
            self.cluster.set_queue_depth(group, depth)
        except Exception as e:  # noqa: BLE001 (a metric never fails a render)
            log.warning("queue depth not published to the cluster: %s", e)


class Dispatcher:
    """Runs tasks on free workers of their group, heaviest first; retries tasks whose worker
    (or node) died; follows the pool as nodes join and leave."""

    def __init__(
        self, pool: WorkerPool, max_retries: int = 2, group_wait_s: float = GROUP_WAIT_S
    ) -> None:
        self.pool = pool
        self.cluster = pool.cluster
        self.max_retries = max_retries
        self.group_wait_s = group_wait_s
        self.queue: list[Task] = []
        self.free = list(pool.slots)
        self.resting: dict[str, float] = {}  # lost worker -> when it may be used again
        self.losses: dict[str, int] = {}
        self.flights: dict[Any, _Flight] = {}
        self.warming: dict[Any, str] = {}  # warm calls of workers the pool grew by
        self._known = set(pool.slots)
        self._depths: dict[str, int] = {}  # as last published
        self._unplaced: dict[str, float] = {}  # group without workers -> since when

    def submit(self, tasks: list[Task]) -> None:
        self.queue = sorted([*self.queue, *tasks], key=lambda t: -t.weight)

    def drop(self, predicate: Callable[[Task], bool]) -> list[Task]:
        """Removes queued (not yet running) tasks matching predicate; returns them."""
        dropped = [t for t in self.queue if predicate(t)]
        self.queue = [t for t in self.queue if not predicate(t)]
        return dropped

    def results(self) -> Iterator[tuple[Task, Outcome]]:
        try:
            while self.queue or self.flights:
                self._follow_pool()
                self._launch()
                yield from self._unplaceable()
                self._publish_depths()
                refs = [*self.flights, *self.warming]
                if not refs:  # every worker is resting after a loss, or none can take these
                    time.sleep(0.1)
                    continue
                done, _ = self.cluster.wait(refs, timeout_s=0.5)
                for ref in done:
                    if ref in self.warming:
                        self._warmed(ref)
                    elif (result := self._collect(ref)) is not None:
                        yield result
                self._expire()
        finally:
            self.queue_depths_zero()

    # -- the pool following the cluster ------------------------------------------------------

    def _follow_pool(self) -> None:
        if time.monotonic() - self.pool.refreshed_at >= REFRESH_S:
            for slot in self.pool.refresh()[0]:  # new workers: warmed before they get work
                ref = self.cluster.call(slot.actor, "warm", f"warm/{slot.name}")
                self.warming[ref] = slot.name
                self._known.add(slot.name)
        slots = self.pool.slots
        for name in self._known - set(slots):  # gone with their node
            self._known.discard(name)
            self.resting.pop(name, None)
            self.free = [n for n in self.free if n != name]
        warming = set(self.warming.values())
        for name in set(slots) - self._known - warming:  # another dispatcher grew the pool
            self._known.add(name)
            self.free.append(name)

    def _warmed(self, ref: Any) -> None:
        name = self.warming.pop(ref)
        try:
            outcome: Outcome = self.cluster.get(ref)
        except self.cluster.worker_lost_errors():
            outcome = Outcome(failure=Failure("", "WorkerLost", "lost while warming"))
        if name not in self.pool.slots:
            return
        if outcome.failure:
            log.warning("new worker did not warm", extra={"worker": name})
            self._rest(name)
            return
        self.free.append(name)

    # -- running tasks -----------------------------------------------------------------------

    def _launch(self) -> None:
        now = time.monotonic()
        for worker, until in list(self.resting.items()):
            if until <= now:
                del self.resting[worker]
                self.pool.revive(worker)
                self.free.append(worker)
        for worker in list(self.free):
            slot = self.pool.slots.get(worker)
            task = (
                next((t for t in self.queue if t.group in (None, slot.group)), None)
                if slot
                else None
            )
            if slot is None or task is None:
                continue
            self.queue.remove(task)
            self.free.remove(worker)
            task.attempts += 1
            task.meta |= {"worker": worker, "node": slot.node, "group": slot.group}
            ref = self.cluster.call(slot.actor, task.method, task.name, *task.args)
            self.flights[ref] = _Flight(task, worker, time.monotonic())
            where = {"task": task.name, "worker": worker, "node": slot.node}
            log.debug("task launched", extra={**where, "attempt": task.attempts})

    def _collect(self, ref: Any) -> tuple[Task, Outcome] | None:
        flight = self.flights.pop(ref)
        try:
            outcome: Outcome = self.cluster.get(ref)
        except self.cluster.worker_lost_errors() as e:
            where = {"task": flight.task.name, "worker": flight.worker}
            log.warning("worker lost", extra={**where, "node": flight.task.meta.get("node")})
            self._rest(flight.worker)
            return self._retry_or_fail(flight.task, f"worker died: {type(e).__name__}")
        if flight.worker in self.pool.slots:
            self.free.append(flight.worker)
        if outcome.failure and outcome.failure.retryable:
            return self._retry_or_fail(flight.task, outcome.failure.message)
        return flight.task, outcome

    def _rest(self, worker: str) -> None:
        if worker not in self.pool.slots:  # gone with its node: nothing to rest
            return
        losses = self.losses[worker] = self.losses.get(worker, 0) + 1
        self.resting[worker] = time.monotonic() + LOST_WORKER_REST_S * 2 ** (losses - 1)

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
            slot = self.pool.slots.get(flight.worker)
            late = now - flight.started > flight.task.timeout_s
            if slot is not None and late and not flight.task.meta.get("expired"):
                flight.task.meta["expired"] = True
                self.cluster.kill_worker(slot.actor)

    # -- groups without workers, and queue depth ---------------------------------------------

    def _unplaceable(self) -> Iterator[tuple[Task, Outcome]]:
        """Fails the tasks of a group that has had no worker for group_wait_s."""
        groups = {slot.group for slot in self.pool.slots.values()}
        waiting = {_group(t) for t in self.queue if not _placeable(t, groups)}
        now = time.monotonic()
        self._unplaced = {g: self._unplaced.get(g, now) for g in waiting}
        expired = {g for g, since in self._unplaced.items() if now - since >= self.group_wait_s}
        for task in [t for t in self.queue if _group(t) in expired and not _placeable(t, groups)]:
            self.queue.remove(task)
            scene = str(task.meta.get("scene", ""))
            why = f"no worker of group {_group(task)} joined within {self.group_wait_s:g} s"
            yield task, Outcome(failure=Failure(scene, "NoWorkers", why, status="sandbox"))

    def _publish_depths(self) -> None:
        depths = dict(Counter(_group(t) for t in self.queue))
        if depths != self._depths:
            self._depths = depths
            _QUEUED.report(id(self), depths, self.pool.publish_depth)

    def queue_depths_zero(self) -> None:
        """Nothing of this dispatcher's is queued any more (it ended, or was abandoned)."""
        self._depths = {}
        _QUEUED.report(id(self), {}, self.pool.publish_depth)


class _QueueDepths:
    """What every dispatcher of this process has queued, per group: a process runs several
    (a lesson's probes and renders, lessons side by side); the gauge is their sum."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: dict[int, dict[str, int]] = {}

    def report(
        self, dispatcher: int, depths: dict[str, int], publish: Callable[[str, int], None]
    ) -> None:
        with self._lock:
            before = self.totals()
            self._by[dispatcher] = depths
            if not depths:
                del self._by[dispatcher]
            after = self.totals()
        for group in {*before, *after}:
            if before.get(group) != after.get(group, 0):
                publish(group, after.get(group, 0))

    def totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for depths in self._by.values():
            totals.update(depths)
        return dict(totals)


_QUEUED = _QueueDepths()


def _group(task: Task) -> str:
    return task.group or DEFAULT_GROUP


def _placeable(task: Task, groups: set[str]) -> bool:
    return bool(groups) if task.group is None else task.group in groups


def default_workers(cpus: float) -> int:
    return max(1, math.floor(cpus))
