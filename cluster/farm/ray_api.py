"""The one module that imports ray: every Ray call scenefarm makes goes through here."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cluster.farm.nodes import NodeInfo, Placement

NAMESPACE = "scenefarm"
# Lesson runners need Redis, Claude and webhook receivers, which worker nodes may not reach
# (k8s/: their egress is the head, Redis and S3): they run where this resource is, the head.
RUNNER_RESOURCE = "scenefarm_runner"
RUNNER_SHARE = 0.001  # of the head's 1000: runners mostly wait, so many fit
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
log = logging.getLogger(__name__)


def _ray() -> ModuleType:
    """Ray, imported on first use: a fully cached render never needs it (nor its import time).

    Under `uv run` (`make demo`, `make test`), Ray would otherwise ship the driver's working
    dir to every worker and start workers with `uv run` there (RAY_ENABLE_UV_RUN_RUNTIME_ENV,
    read when Ray is imported): a render started outside the project dir then had its
    workers die at start, and one started in a large dir uploaded all of it. Our workers run
    the environment of the cluster they belong to, never the driver's.
    """
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    import ray

    return ray


def use_env(settings: dict[str, str]) -> None:
    """Settings Ray reads from this process's environment when it is imported and when it
    connects (the local head's token, loopback addresses): set before either happens."""
    os.environ.update(settings)


def worker_lost_errors() -> tuple[type[BaseException], ...]:
    """A worker died or became unreachable, or its node with the result on it: the task
    may be retried elsewhere."""
    from ray.exceptions import (
        ActorUnschedulableError,
        NodeDiedError,
        ObjectLostError,
        RayActorError,
        RaySystemError,
        WorkerCrashedError,
    )

    return (
        RayActorError,
        WorkerCrashedError,
        RaySystemError,
        NodeDiedError,
        ObjectLostError,
        ActorUnschedulableError,
    )


TaskRef = Any
ActorHandle = Any


def connect(address: str) -> dict[str, float]:
    """Joins a running cluster (a local head or RAY_ADDRESS); returns its resources."""
    if not _ray().is_initialized():
        with _loopback_as_given(address):
            _ray().init(
                address=address,
                namespace=NAMESPACE,
                logging_level=logging.ERROR,
                log_to_driver=False,
                configure_logging=False,
            )
    resources: dict[str, Any] = _ray().cluster_resources()
    return {k: float(v) for k, v in resources.items()}


@contextlib.contextmanager
def _loopback_as_given(address: str) -> Iterator[None]:
    """Ray swaps a loopback bootstrap address for the machine's routable one unless it thinks
    multi-node clusters are off, and it reads that setting (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER)
    once, when it is first imported. A process that imported Ray before finding a local head
    (a test session that also starts multi-node clusters) then knocked on the routable address
    of a head that listens on loopback only. Joining a loopback address, Ray is told so for the
    join, whatever the environment was at its import."""
    from ray._private import ray_constants

    kept = ray_constants.ENABLE_RAY_CLUSTER
    if _host(address) in LOOPBACK_HOSTS:
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = kept


def _host(address: str) -> str:
    return address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")


def resources() -> dict[str, float]:
    """The resources of the cluster this process is already part of (an actor's)."""
    found: dict[str, Any] = _ray().cluster_resources()
    return {k: float(v) for k, v in found.items()}


def is_connected() -> bool:
    return bool(_ray().is_initialized())


def disconnect() -> None:
    if _ray().is_initialized():
        _ray().shutdown()


def worker_actor(cls: type, name: str, num_cpus: float, *args: Any) -> ActorHandle:
    """A detached, named, self-restarting actor, reused when it already exists."""
    remote_cls: Any = _ray().remote(cls)
    return remote_cls.options(
        name=name,
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
        num_cpus=num_cpus,
        max_restarts=-1,
        max_task_retries=0,
        max_concurrency=1,
    ).remote(*args)


def placed_actor(cls: type, name: str, where: Placement, *args: Any) -> ActorHandle:
    """`worker_actor` pinned to one node (hard affinity: a lost node's workers are not
    restarted elsewhere, the pool makes new ones for the nodes there are), holding its
    group's share of resources there."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    remote_cls: Any = _ray().remote(cls)
    return remote_cls.options(
        name=name,
        namespace=NAMESPACE,
        lifetime="detached",
        get_if_exists=True,
        num_cpus=where.num_cpus,
        num_gpus=where.num_gpus,
        resources=dict(where.resources),
        scheduling_strategy=NodeAffinitySchedulingStrategy(where.node_id, soft=False),
        max_restarts=-1,
        max_task_retries=0,
        max_concurrency=1,
    ).remote(*args)


def nodes() -> list[NodeInfo]:
    """The alive nodes and their total resources."""
    from cluster.farm.nodes import NodeInfo

    found: list[dict[str, Any]] = _ray().nodes()
    return [
        NodeInfo(str(n["NodeID"]), {k: float(v) for k, v in n.get("Resources", {}).items()})
        for n in found
        if n.get("Alive")
    ]


_gauges: dict[str, Any] = {}


def set_queue_depth(group: str, depth: int) -> None:
    """`scenefarm_group_queue_depth{group=...}` as a Ray custom metric (exported by each node's
    metrics agent with Ray's prefix, `ray_scenefarm_group_queue_depth`)."""
    gauge = _gauges.get("queue_depth")
    if gauge is None:
        from ray.util.metrics import Gauge

        gauge = _gauges["queue_depth"] = Gauge(
            "scenefarm_group_queue_depth",
            description="Farm tasks queued for a worker group, not yet running",
            tag_keys=("group",),
        )
    gauge.set(float(depth), tags={"group": group})


def list_actor_names(prefix: str) -> list[str]:
    infos = _ray().util.list_named_actors(all_namespaces=True)
    return sorted(
        i["name"] for i in infos if i.get("namespace") == NAMESPACE and i["name"].startswith(prefix)
    )


def kill_actor(name: str) -> None:
    with contextlib.suppress(ValueError):
        _ray().kill(_ray().get_actor(name, namespace=NAMESPACE), no_restart=True)


def call(actor: ActorHandle, method: str, task_name: str, *args: Any) -> TaskRef:
    """Calls an actor method as a task named for the dashboard (lesson/scene/chunk)."""
    return getattr(actor, method).options(name=task_name).remote(*args)


def wait(refs: Sequence[TaskRef], timeout_s: float) -> tuple[list[TaskRef], list[TaskRef]]:
    done, pending = _ray().wait(list(refs), num_returns=1, timeout=timeout_s)
    return list(done), list(pending)


def get(ref: TaskRef, timeout_s: float | None = None) -> Any:
    return _ray().get(ref, timeout=timeout_s)


def kill_worker(actor: ActorHandle) -> None:
    """Kills an actor's process and lets Ray restart it."""
    _ray().kill(actor, no_restart=False)


def job_actor(cls: type, name: str, runtime_env: dict[str, Any], *args: Any) -> ActorHandle:
    """A detached, named actor that does one job and ends itself: it outlives the process that
    made it. No CPU is reserved (it mostly waits on workers); never restarted by Ray (a lost
    one is relaunched by whoever watches the job). Raises ValueError if the name is taken."""
    remote_cls: Any = _ray().remote(cls)
    return remote_cls.options(
        name=name,
        namespace=NAMESPACE,
        lifetime="detached",
        num_cpus=0,
        resources={RUNNER_RESOURCE: RUNNER_SHARE},
        max_restarts=0,
        max_task_retries=0,
        runtime_env=runtime_env or None,
    ).remote(*args)


def actor_exists(name: str) -> bool:
    try:
        _ray().get_actor(name, namespace=NAMESPACE)
    except ValueError:
        return False
    return True


def end_this_actor() -> None:
    """Ends the actor this code runs in, from any of its threads; its name is freed."""
    ray = _ray()
    ray.kill(ray.get_runtime_context().current_actor, no_restart=True)
