"""The dispatcher on a cluster of threads: order, retries, lost workers, timeouts, cancel."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from cluster.farm import pool as pool_module
from cluster.farm.pool import Dispatcher, Task, WorkerPool
from cluster.farm.thread_cluster import ThreadCluster
from cluster.farm.worker import Failure, Outcome, WorkerConfig

from .scripted import Script


@pytest.fixture
def cluster() -> Iterator[ThreadCluster]:
    made = ThreadCluster()
    yield made
    made.shutdown()


def _pool(cluster: ThreadCluster, script: Script, workers: int = 1) -> WorkerPool:
    return WorkerPool(WorkerConfig(), workers, cluster, script.worker_class())


def _task(key: str, weight: float = 1.0, timeout_s: float = 60.0) -> Task:
    return Task(key, "work", (key,), f"lesson/{key}", weight=weight, timeout_s=timeout_s)


def _ok(key: str) -> Outcome:
    return Outcome(value=key)


def test_tasks_run_heaviest_first(cluster: ThreadCluster) -> None:
    script = Script(answers={"work": _ok})
    dispatcher = Dispatcher(_pool(cluster, script))
    dispatcher.submit([_task("light", 1), _task("heavy", 9), _task("middle", 5)])
    done = [task.key for task, _ in dispatcher.results()]
    assert done == ["heavy", "middle", "light"]
    assert [label for _, label in script.log] == ["heavy", "middle", "light"]


def test_a_retryable_failure_runs_again_and_then_succeeds(cluster: ThreadCluster) -> None:
    calls: list[str] = []

    def flaky(key: str) -> Outcome:
        calls.append(key)
        if len(calls) == 1:
            return Outcome(failure=Failure(key, "SandboxError", "gone", retryable=True))
        return _ok(key)

    dispatcher = Dispatcher(_pool(cluster, Script(answers={"work": flaky})))
    dispatcher.submit([_task("a")])
    [(task, outcome)] = list(dispatcher.results())
    assert outcome.value == "a" and task.attempts == 2


def test_a_scene_error_is_not_retried(cluster: ThreadCluster) -> None:
    def broken(key: str) -> Outcome:
        return Outcome(failure=Failure(key, "NameError", "x is not defined", line=3))

    script = Script(answers={"work": broken})
    dispatcher = Dispatcher(_pool(cluster, script))
    dispatcher.submit([_task("a")])
    [(task, outcome)] = list(dispatcher.results())
    assert outcome.failure is not None and outcome.failure.kind == "NameError"
    assert task.attempts == 1 and script.methods() == ["work"]


def test_retries_end_in_a_typed_failure(cluster: ThreadCluster) -> None:
    def always(key: str) -> Outcome:
        return Outcome(failure=Failure(key, "SandboxError", "no sandbox", retryable=True))

    dispatcher = Dispatcher(_pool(cluster, Script(answers={"work": always})), max_retries=2)
    dispatcher.submit([_task("a")])
    [(task, outcome)] = list(dispatcher.results())
    assert task.attempts == 3
    assert outcome.failure is not None
    assert (outcome.failure.kind, outcome.failure.status) == ("WorkerLost", "killed")
    assert outcome.failure.message == "no sandbox (after 3 attempts)"


def test_a_lost_worker_rests_before_new_work(
    cluster: ThreadCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "LOST_WORKER_REST_S", 0.2)
    script = Script(answers={"work": _ok}, gates={"work": threading.Event()})
    pool = _pool(cluster, script, workers=2)
    dispatcher = Dispatcher(pool)
    dispatcher.submit([_task("a", 2), _task("b", 1)])
    results = dispatcher.results()
    killer = threading.Thread(target=_kill_first_worker_once_busy, args=(cluster, pool, script))
    killer.start()
    got: dict[str, Any] = {}
    for task, outcome in results:
        got[task.key] = (outcome.value, task.attempts)
        script.gates["work"].set()
    killer.join()
    assert got == {"a": ("a", 2), "b": ("b", 1)}
    assert dispatcher.losses == {pool.slots[next(iter(pool.slots))].name: 1}


def _kill_first_worker_once_busy(cluster: ThreadCluster, pool: WorkerPool, script: Script) -> None:
    for _ in range(2):  # both workers have taken a task
        assert script.started.acquire(timeout=30)
    cluster.kill_worker(pool.actors[0])
    script.gates["work"].set()


def test_a_task_past_its_timeout_kills_its_worker_and_runs_again(cluster: ThreadCluster) -> None:
    first_call = threading.Event()

    def slow_once(key: str) -> Outcome:
        if not first_call.is_set():
            first_call.set()
            threading.Event().wait(5)  # outlives the timeout; its result is dropped
        return _ok(key)

    pool = _pool(cluster, Script(answers={"work": slow_once}))
    dispatcher = Dispatcher(pool)
    dispatcher.submit([_task("a", timeout_s=0.3)])
    [(task, outcome)] = list(dispatcher.results())
    assert outcome.value == "a" and task.attempts == 2
    assert cluster.actors[next(iter(cluster.actors))].generation == 1  # it was restarted


def test_dropping_removes_queued_tasks_only(cluster: ThreadCluster) -> None:
    script = Script(answers={"work": _ok}, gates={"work": threading.Event()})
    dispatcher = Dispatcher(_pool(cluster, script))
    dispatcher.submit([_task("running", 3), _task("queued-1", 2), _task("queued-2", 1)])
    results = dispatcher.results()
    release = threading.Thread(
        target=lambda: (script.started.acquire(timeout=30), script.gates["work"].set())
    )
    release.start()
    first_task, _ = next(results)
    release.join()
    dropped = dispatcher.drop(lambda t: t.key.startswith("queued"))
    assert first_task.key == "running"
    assert sorted(t.key for t in dropped) == ["queued-1", "queued-2"]
    assert list(results) == []
    assert script.methods() == ["work"]
