"""What the farm needs of a cluster, as a Protocol: the pool, the dispatcher and the lesson
runners are written against it, so they can be unit-tested on threads (`ThreadCluster`)
without starting Ray. `RAY` is the real one: every call goes through `ray_api`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from cluster.farm import ray_api
from cluster.farm.nodes import NodeInfo, Placement

TaskRef = Any
ActorHandle = Any


class Cluster(Protocol):
    def worker_actor(self, cls: type, name: str, num_cpus: float, *args: Any) -> ActorHandle:
        """A named actor that is restarted when its process dies, reused if it exists."""
        ...

    def placed_actor(self, cls: type, name: str, where: Placement, *args: Any) -> ActorHandle:
        """`worker_actor` on one node, holding the placement's resources there: restarted
        there when its process dies, and dead with its node."""
        ...

    def nodes(self) -> list[NodeInfo]:
        """The nodes alive now, with their total resources."""
        ...

    def set_queue_depth(self, group: str, depth: int) -> None:
        """Publishes a group's queued tasks as the cluster's own metric (an autoscaler's)."""
        ...

    def list_actor_names(self, prefix: str) -> list[str]: ...

    def kill_actor(self, name: str) -> None:
        """Ends a named actor for good (no restart); a missing one is no error."""
        ...

    def call(self, actor: ActorHandle, method: str, task_name: str, *args: Any) -> TaskRef: ...

    def wait(
        self, refs: Sequence[TaskRef], timeout_s: float
    ) -> tuple[list[TaskRef], list[TaskRef]]:
        """At least one finished ref (or none, after timeout_s), and the rest."""
        ...

    def get(self, ref: TaskRef, timeout_s: float | None = None) -> Any: ...

    def kill_worker(self, actor: ActorHandle) -> None:
        """Kills an actor's process: its calls in flight fail, and it is restarted."""
        ...

    def worker_lost_errors(self) -> tuple[type[BaseException], ...]:
        """What a call raises when its worker died: the task may be retried elsewhere."""
        ...

    def job_actor(
        self, cls: type, name: str, runtime_env: dict[str, Any], *args: Any
    ) -> ActorHandle:
        """A named actor never restarted; raises ValueError if the name is taken."""
        ...

    def actor_exists(self, name: str) -> bool: ...


class RayCluster:
    """The cluster this process is connected to, through the Ray wrapper."""

    worker_actor = staticmethod(ray_api.worker_actor)
    placed_actor = staticmethod(ray_api.placed_actor)
    nodes = staticmethod(ray_api.nodes)
    set_queue_depth = staticmethod(ray_api.set_queue_depth)
    list_actor_names = staticmethod(ray_api.list_actor_names)
    kill_actor = staticmethod(ray_api.kill_actor)
    call = staticmethod(ray_api.call)
    wait = staticmethod(ray_api.wait)
    get = staticmethod(ray_api.get)
    kill_worker = staticmethod(ray_api.kill_worker)
    worker_lost_errors = staticmethod(ray_api.worker_lost_errors)
    job_actor = staticmethod(ray_api.job_actor)
    actor_exists = staticmethod(ray_api.actor_exists)


RAY: Cluster = RayCluster()
