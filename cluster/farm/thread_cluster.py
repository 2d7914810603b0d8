"""A cluster on threads, for unit tests: actors are objects in this process, each running its
calls one at a time on a thread of its own, as a Ray actor with max_concurrency=1 does.

It keeps the parts of Ray's behaviour the farm relies on: a killed worker's calls in flight
fail with `WorkerLost`, and it comes back as a new instance (max_restarts=-1); a killed named
actor is gone; `wait` returns as soon as one ref is done. Nodes come and go (`add_node`,
`remove_node`): a removed node's actors die with it, their calls failing. Nothing here
starts Ray.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any

from cluster.farm.nodes import NodeInfo, Placement


class WorkerLost(Exception):
    """The actor's process died while the call ran or waited."""


@dataclass
class ThreadActor:
    name: str
    make: Callable[[], Any]
    restarts: bool
    instance: Any = None
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))
    pending: set[Future[Any]] = field(default_factory=set)
    generation: int = 0
    dead: bool = False
    calls: list[str] = field(default_factory=list)  # task names, in the order they were made
    where: Placement | None = None

    def __post_init__(self) -> None:
        self.instance = self.make()


class ThreadCluster:
    """Implements `cluster.farm.backend.Cluster` on threads."""

    def __init__(self, nodes: dict[str, dict[str, float]] | None = None) -> None:
        self.actors: dict[str, ThreadActor] = {}
        self._lock = threading.Lock()
        self._nodes = dict(nodes if nodes is not None else {"node-0": {"CPU": 2.0}})
        self.queue_depths: dict[str, list[int]] = {}  # group -> every depth published

    def worker_actor(
        self,
        cls: type,
        name: str,
        num_cpus: float,  # noqa: ARG002 (the Cluster protocol's: threads reserve no CPUs)
        *args: Any,
    ) -> ThreadActor:
        return self._actor(cls, name, True, args)

    def placed_actor(self, cls: type, name: str, where: Placement, *args: Any) -> ThreadActor:
        with self._lock:
            gone = where.node_id not in self._nodes
        if gone:  # as Ray's hard affinity to a dead node: the actor never runs anything
            return ThreadActor(name, lambda: None, False, dead=True, where=where)
        actor = self._actor(cls, name, True, args)
        actor.where = where
        return actor

    def nodes(self) -> list[NodeInfo]:
        with self._lock:
            return [NodeInfo(n, dict(r)) for n, r in self._nodes.items()]

    def add_node(self, node_id: str, resources: dict[str, float]) -> None:
        with self._lock:
            self._nodes[node_id] = dict(resources)

    def remove_node(self, node_id: str) -> None:
        """The node is lost: its actors die with their calls, and are not restarted."""
        with self._lock:
            self._nodes.pop(node_id, None)
            lost = [a for a in self.actors.values() if a.where and a.where.node_id == node_id]
            for actor in lost:
                del self.actors[actor.name]
        for actor in lost:
            self._lose_calls(actor)
            actor.dead = True

    def set_queue_depth(self, group: str, depth: int) -> None:
        with self._lock:
            self.queue_depths.setdefault(group, []).append(depth)

    def job_actor(
        self,
        cls: type,
        name: str,
        runtime_env: dict[str, Any],  # noqa: ARG002 (the Cluster protocol's: threads have none)
        *args: Any,
    ) -> ThreadActor:
        with self._lock:
            if name in self.actors:
                raise ValueError(f"an actor named {name} exists")
        return self._actor(cls, name, False, args)

    def _actor(self, cls: type, name: str, restarts: bool, args: tuple[Any, ...]) -> ThreadActor:
        with self._lock:
            found = self.actors.get(name)
            if found is None:
                found = self.actors[name] = ThreadActor(name, lambda: cls(*args), restarts)
            return found

    def list_actor_names(self, prefix: str) -> list[str]:
        with self._lock:
            return sorted(n for n in self.actors if n.startswith(prefix))

    def actor_exists(self, name: str) -> bool:
        with self._lock:
            return name in self.actors

    def kill_actor(self, name: str) -> None:
        with self._lock:
            actor = self.actors.pop(name, None)
        if actor is not None:
            self._lose_calls(actor)
            actor.dead = True

    def call(self, actor: ThreadActor, method: str, task_name: str, *args: Any) -> Future[Any]:
        result: Future[Any] = Future()
        if actor.dead:
            result.set_exception(WorkerLost(f"{actor.name} is gone"))
            return result
        actor.calls.append(task_name)
        generation = actor.generation

        def run() -> None:
            if actor.generation != generation or result.done():
                return  # lost with the process that was to run it
            try:
                value = getattr(actor.instance, method)(*args)
            except BaseException as e:  # noqa: BLE001 (the call's failure, whatever it is, is its result)
                _settle(result, error=e)
            else:
                if actor.generation == generation:
                    _settle(result, value=value)

        actor.pending.add(result)
        result.add_done_callback(actor.pending.discard)
        actor.executor.submit(run)
        return result

    def wait(
        self, refs: Sequence[Future[Any]], timeout_s: float
    ) -> tuple[list[Future[Any]], list[Future[Any]]]:
        done, _ = wait_futures(list(refs), timeout=timeout_s, return_when=FIRST_COMPLETED)
        ready = [r for r in refs if r in done][:1]  # one at a time, as the farm asks Ray
        return ready, [r for r in refs if r not in ready]

    def get(self, ref: Future[Any], timeout_s: float | None = None) -> Any:
        return ref.result(timeout=timeout_s)

    def kill_worker(self, actor: ThreadActor) -> None:
        """The process dies: calls in flight or queued fail; a fresh instance takes new ones
        (a call still running on the old thread finishes, and its result is dropped)."""
        self._lose_calls(actor)
        if actor.restarts:
            actor.generation += 1
            actor.executor = ThreadPoolExecutor(1)
            actor.instance = actor.make()

    def worker_lost_errors(self) -> tuple[type[BaseException], ...]:
        return (WorkerLost,)

    def shutdown(self) -> None:
        for actor in list(self.actors.values()):
            actor.executor.shutdown(wait=False, cancel_futures=True)

    @staticmethod
    def _lose_calls(actor: ThreadActor) -> None:
        for ref in list(actor.pending):
            _settle(ref, error=WorkerLost(f"{actor.name} died"))


def _settle(ref: Future[Any], value: Any = None, error: BaseException | None = None) -> None:
    try:
        if error is not None:
            ref.set_exception(error)
        else:
            ref.set_result(value)
    except InvalidStateError:  # already settled by a kill
        return
