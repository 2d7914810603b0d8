"""The worker pool following the cluster, on a cluster of threads: slots per node, growing
when a node joins, shrinking when one leaves (its tasks run again elsewhere), tasks routed
to their worker group, and the queue depth per group published."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from cluster.farm import pool as pool_module
from cluster.farm.cache import ChunkCache
from cluster.farm.coordinator import Coordinator
from cluster.farm.nodes import NodeInfo, UnknownGroup, placements
from cluster.farm.pool import Dispatcher, Task, WorkerPool
from cluster.farm.thread_cluster import ThreadCluster
from cluster.farm.worker import Outcome, WorkerConfig
from renderers import ChunkPolicy

from .scripted import Script
from .test_coordinator import FixedPools, Scenes, _clip, _request

CPU_NODE = {"CPU": 1.0, "cpu_render": 1.0}
GPU_NODE = {"CPU": 1.0, "GPU": 1.0, "gpu_render": 1.0}


@pytest.fixture(autouse=True)
def fast_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pool_module, "REFRESH_S", 0.05)
    monkeypatch.setattr(pool_module, "LOST_WORKER_REST_S", 0.05)


@pytest.fixture
def cluster() -> Iterator[ThreadCluster]:
    made = ThreadCluster({"n1": dict(CPU_NODE)})
    yield made
    made.shutdown()


def _script(gate: threading.Event | None = None) -> Script:
    answers = {"work": lambda key: Outcome(value=key), "warm": lambda: Outcome(value={})}
    return Script(answers=answers, gates={"work": gate} if gate else {})


def _tasks(n: int, group: str | None = None) -> list[Task]:
    return [Task(f"t{i}", "work", (f"t{i}",), f"lesson/t{i}", group=group) for i in range(n)]


def _acquire(script: Script, times: int = 1) -> None:
    for _ in range(times):
        assert script.started.acquire(timeout=30), "the worker call never came"


# -- placements --------------------------------------------------------------------------------


def test_a_node_holds_a_worker_per_unit_of_its_groups() -> None:
    nodes = [
        NodeInfo("head", {"CPU": 0.0, "memory": 1e9}),
        NodeInfo("plain", {"CPU": 3.0}),
        NodeInfo("cpus", {"CPU": 2.0, "cpu_render": 2.0}),
        NodeInfo("gpu", {"CPU": 4.0, "GPU": 2.0, "gpu_render": 2.0}),
    ]
    made = placements(nodes)
    by_node = {
        n.node_id: [(p.group, p.num_cpus, p.num_gpus) for p in made if p.node_id == n.node_id]
        for n in nodes
    }
    assert by_node["head"] == []  # no CPUs, no group: a head running only the API
    assert by_node["plain"] == [("cpu_render", 1.0, 0.0)] * 3
    assert by_node["cpus"] == [("cpu_render", 1.0, 0.0)] * 2
    assert by_node["gpu"] == [("gpu_render", 1.0, 1.0)] * 2
    gpu = next(p for p in made if p.node_id == "gpu")
    assert gpu.resources == {"gpu_render": 1.0}


def test_a_number_of_workers_is_spread_over_the_slots() -> None:
    nodes = [NodeInfo("a", {"CPU": 2.0}), NodeInfo("b", {"CPU": 1.0})]
    made = placements(nodes, workers=4)
    assert [p.node_id for p in made] == ["a", "a", "a", "b"]
    # three workers share node a's two CPUs: together they never ask for more than it has
    assert sum(p.num_cpus for p in made if p.node_id == "a") <= 2.0


def test_a_group_name_must_look_like_one(tmp_path: Path) -> None:
    with pytest.raises(UnknownGroup):
        _request(tmp_path, ["A"], groups=(("A", "CPU"),))


# -- growing and shrinking -------------------------------------------------------------------------


def test_the_pool_grows_when_a_node_joins(cluster: ThreadCluster) -> None:
    gate = threading.Event()
    script = _script(gate)
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    assert pool.size == 1
    dispatcher = Dispatcher(pool)
    dispatcher.submit(_tasks(4))
    results = dispatcher.results()

    def join_then_release() -> None:
        _acquire(script)  # n1's worker runs a task
        cluster.add_node("n2", dict(CPU_NODE))
        _acquire(script, 2)  # n2's new worker warms, then takes a task of its own
        gate.set()

    helper = threading.Thread(target=join_then_release)
    helper.start()
    done = [(task.key, task.meta["node"]) for task, _ in results]
    helper.join()
    assert pool.size == 2
    assert {node for _, node in done} == {"n1", "n2"}
    assert ("warm", "") in script.log


def test_the_pool_shrinks_when_a_node_leaves_and_its_task_runs_elsewhere(
    cluster: ThreadCluster,
) -> None:
    cluster.add_node("n2", dict(CPU_NODE))
    gate = threading.Event()
    script = _script(gate)
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    dispatcher = Dispatcher(pool)
    dispatcher.submit(_tasks(2))
    results = dispatcher.results()

    def lose_n2_then_release() -> None:
        _acquire(script, 2)  # both nodes run a task
        cluster.remove_node("n2")
        gate.set()

    helper = threading.Thread(target=lose_n2_then_release)
    helper.start()
    done = {
        task.key: (task.meta["node"], task.attempts, outcome.value) for task, outcome in results
    }
    helper.join()
    assert {node for node, _, _ in done.values()} == {"n1"}  # the lost task ran again there
    assert sorted(attempts for _, attempts, _ in done.values())[-1] >= 2
    assert sorted(value for _, _, value in done.values()) == ["t0", "t1"]
    _, gone = pool.refresh()
    assert [slot.node for slot in gone] in ([], ["n2"])  # the dispatcher may have seen it go
    assert pool.size == 1 and {s.node for s in pool.slots.values()} == {"n1"}


def test_a_worker_ended_by_another_pool_is_made_again(cluster: ThreadCluster) -> None:
    script = _script()
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    [name] = pool.slots
    cluster.kill_actor(name)  # another farm's pool, seeing the cluster a moment earlier
    dispatcher = Dispatcher(pool)
    dispatcher.submit(_tasks(1))
    [(task, outcome)] = list(dispatcher.results())
    assert (outcome.value, task.attempts) == ("t0", 2)
    assert cluster.actor_exists(name)


# -- groups ----------------------------------------------------------------------------------------


def test_tasks_run_only_on_their_groups_workers(cluster: ThreadCluster) -> None:
    cluster.add_node("g1", dict(GPU_NODE))
    script = _script()
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    dispatcher = Dispatcher(pool)
    dispatcher.submit([*_tasks(3, "gpu_render"), *_tasks(3, "cpu_render")])
    ran = {(task.group, task.meta["node"], task.meta["group"]) for task, _ in dispatcher.results()}
    assert ran == {("gpu_render", "g1", "gpu_render"), ("cpu_render", "n1", "cpu_render")}


def test_a_group_with_no_worker_waits_then_fails_typed(cluster: ThreadCluster) -> None:
    pool = WorkerPool(WorkerConfig(), None, cluster, _script().worker_class())
    dispatcher = Dispatcher(pool, group_wait_s=0.2)
    dispatcher.submit(_tasks(1, "gpu_render"))
    [(_, outcome)] = list(dispatcher.results())
    assert outcome.failure is not None and outcome.failure.kind == "NoWorkers"
    assert "gpu_render" in outcome.failure.message


def test_a_group_scaled_up_from_zero_gets_its_tasks(cluster: ThreadCluster) -> None:
    script = _script()
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    dispatcher = Dispatcher(pool)
    dispatcher.submit(_tasks(2, "gpu_render"))
    results = dispatcher.results()
    adder = threading.Timer(0.3, lambda: cluster.add_node("g1", dict(GPU_NODE)))
    adder.start()
    done = [(task.meta["node"], outcome.value) for task, outcome in results]
    adder.join()
    assert sorted(done) == [("g1", "t0"), ("g1", "t1")]


def test_queue_depth_is_published_per_group_and_ends_at_zero(cluster: ThreadCluster) -> None:
    cluster.add_node("g1", dict(GPU_NODE))
    gate = threading.Event()
    script = _script(gate)
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    dispatcher = Dispatcher(pool)
    dispatcher.submit([*_tasks(3, "gpu_render"), *_tasks(2, "cpu_render")])
    results = dispatcher.results()
    seen: dict[str, float | None] = {}

    def look_then_release() -> None:
        _acquire(script, 2)  # one task of each group runs; the rest wait
        deadline = time.monotonic() + 10  # published by the dispatcher's next pass
        while time.monotonic() < deadline and _depth("gpu_render") != 2.0:
            time.sleep(0.01)
        for group in ("gpu_render", "cpu_render"):
            seen[group] = _depth(group)
        gate.set()

    helper = threading.Thread(target=look_then_release)
    helper.start()
    assert len(list(results)) == 5
    helper.join()
    assert seen == {"gpu_render": 2.0, "cpu_render": 1.0}
    assert (
        cluster.queue_depths["gpu_render"][0] == 2 and cluster.queue_depths["gpu_render"][-1] == 0
    )
    assert _depth("gpu_render") == 0.0


def _depth(group: str) -> float | None:
    return REGISTRY.get_sample_value("scenefarm_group_queue_depth", {"group": group})


# -- a lesson in groups ----------------------------------------------------------------------------


def test_a_scenes_chunks_render_in_its_group_and_the_report_says_where(
    cluster: ThreadCluster, tmp_path: Path
) -> None:
    cluster.add_node("g1", dict(GPU_NODE))
    scenes = Scenes({"A": [1, 1, 1], "B": [1, 1]}, tmp_path)
    _clip(15, tmp_path)  # made once before two workers ask for it at the same time
    script = scenes.script()
    script.answers["warm"] = lambda: Outcome(value={})
    pool = WorkerPool(WorkerConfig(), None, cluster, script.worker_class())
    cache = ChunkCache(tmp_path / "cache")
    coordinator = Coordinator(FixedPools(pool), cache, lambda _: None)
    policy = ChunkPolicy(target_frames=15)
    report = coordinator.render(
        _request(tmp_path, ["A", "B"], policy=policy, groups=(("B", "gpu_render"),))
    )
    where = {s.name: {(c.group, c.node) for c in s.chunks} for s in report.scenes}
    assert where == {"A": {("cpu_render", "n1")}, "B": {("gpu_render", "g1")}}
    # the same scene in another device class is another chunk: not a cache hit
    again = coordinator.render(_request(tmp_path, ["A", "B"], policy=policy))
    b = next(s for s in again.scenes if s.name == "B")
    assert [(c.cached, c.group, c.node) for c in b.chunks] == [(False, "cpu_render", "n1")] * 2
    a = next(s for s in again.scenes if s.name == "A")
    assert all(c.cached and c.node is None for c in a.chunks)
