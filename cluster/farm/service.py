"""The farm as the front doors see it: a cluster, warm workers and the cache, used lazily.

Nothing touches Ray until a task needs a worker: an unchanged lesson is served from the cache
without connecting (and on the local cluster, without even starting one).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from types import TracebackType

from cluster.delivery.publish import Published
from cluster.delivery.storage import Storage, StorageError
from cluster.farm import ray_api, ray_head
from cluster.farm.cache import ChunkCache
from cluster.farm.coordinator import Coordinator, LessonCancelled, LessonFailed, RenderRequest
from cluster.farm.events import Event
from cluster.farm.pool import Dispatcher, Task, WorkerPool, default_workers
from cluster.farm.publish_render import DeliveryFailed, publish_render
from cluster.farm.remote_chunks import RemoteChunks
from cluster.farm.report import LessonReport
from cluster.farm.worker import Outcome, WorkerConfig
from renderers import SceneSource
from sandbox import SandboxLimits


@dataclass(frozen=True)
class FarmConfig:
    data_dir: Path
    ray_address: str | None = None  # None: the persistent local cluster
    workers: int | None = None  # None: one per CPU
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    idle_s: float = 900.0
    storage: Storage | None = None  # where lessons are published; a shared one also holds chunks
    # Inside the cluster already (a lesson runner actor): never start, join or leave a cluster.
    connected: bool = False
    # The CLI: its process ends (os._exit) right after the farm, and Ray records the driver's
    # end all the same; leaving the cluster first would add 0.3 s to every command.
    stay_connected: bool = False
    # The front door's environment (less credentials), for a local Ray head it starts.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Whose scene code this farm runs (an API owner; "" for the local user): every source it
    # is given is stamped with it (see SceneSource.owner).
    owner: str = ""

    def workers_config(self) -> WorkerConfig:
        """The workers' config: on the local head, this farm's sandboxes keep their state in
        its data dir, so `scenefarm down` and the tests of one farm touch only its own."""
        if self.ray_address is not None or self.connected or self.worker.sandbox_root:
            return self.worker
        return replace(self.worker, sandbox_root=ray_head.sandbox_root(self.data_dir))


class LazyPool:
    """The worker pool, connected and warmed on first use."""

    def __init__(self, config: FarmConfig, stack: contextlib.ExitStack, say: Callable[[str], None]):
        self.config = config
        self.say = say
        self._stack = stack
        self._pool: WorkerPool | None = None
        self._size = config.workers
        self._engine_version: str | None = None
        if config.ray_address is None:  # local workers run this very environment's manim
            self._size = self._size or default_workers(os.cpu_count() or 1)
            self._engine_version = version("manim")

    @property
    def limits(self) -> SandboxLimits:
        return self.config.worker.limits

    @property
    def size(self) -> int:
        return self._size or self.get().size

    @property
    def engine_version(self) -> str:
        return self._engine_version or str(self.get().info.get("manim", ""))

    def get(self) -> WorkerPool:
        if self._pool is None:
            self._pool = self._connect()
        return self._pool

    def _connect(self) -> WorkerPool:
        if self.config.connected:
            return self._warm("this cluster")
        address = self.config.ray_address
        if address is None:
            address, started = ray_head.ensure_local_cluster(
                self.config.data_dir, os.cpu_count() or 1, self.config.idle_s, self.config.environ
            )
            if started:
                self.say(
                    f"started a local Ray cluster at {address} "
                    f"(dashboard {ray_head.dashboard_url(self.config.data_dir)}); "
                    "it stays up for later runs, `scenefarm down` stops it"
                )
        ray_api.connect(address)
        if not self.config.stay_connected:
            self._stack.callback(ray_api.disconnect)
        return self._warm(address)

    def _warm(self, address: str) -> WorkerPool:
        # The pool follows the cluster's nodes (one worker per slot, see nodes.py) unless a
        # number of workers was asked for; it grows and shrinks as nodes join and leave.
        pool = WorkerPool(self.config.workers_config(), self.config.workers)
        info = pool.warm()
        nodes = len({slot.node for slot in pool.slots.values()})
        self.say(
            f"{pool.size} warm workers on {nodes} node(s) of {address} "
            f"({info.get('backend')} sandbox, manim {info.get('manim')})"
        )
        return pool


class Farm:
    """Use as a context manager: `with Farm(config, say) as farm: farm.render(request, emit)`."""

    def __init__(self, config: FarmConfig, say: Callable[[str], None] = lambda _: None) -> None:
        self.config = config
        self.say = say
        shared = config.storage if config.storage is not None and config.storage.shared else None
        self.cache = ChunkCache(config.data_dir / "cache", RemoteChunks(shared) if shared else None)
        self._stack = contextlib.ExitStack()
        self._stack.callback(self.cache.close)  # waits for chunk uploads still running
        self.pool = LazyPool(config, self._stack, say)

    def __enter__(self) -> Farm:
        if self.config.ray_address is None:
            self._stack.enter_context(ray_head.in_use(self.config.data_dir))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def probe_many(
        self, items: Sequence[tuple[SceneSource, str]], lesson_id: str = "lesson"
    ) -> list[Outcome]:
        """Probes scenes with the layout check, in parallel over the warm workers, in order."""
        tasks = [
            Task(str(i), "probe", (self.own(source), scene, True), f"{lesson_id}/{scene}/probe")
            for i, (source, scene) in enumerate(items)
        ]
        if not tasks:
            return []
        dispatcher = Dispatcher(self.pool.get())
        dispatcher.submit(tasks)
        outcomes = {task.key: outcome for task, outcome in dispatcher.results()}
        return [outcomes[task.key] for task in tasks]

    def render(
        self,
        request: RenderRequest,
        emit: Callable[[Event], None],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> LessonReport:
        coordinator = Coordinator(self.pool, self.cache, emit, cancelled)
        request = self._owned(request)
        if self.config.storage is not None:  # publishing needs posters: make them as scenes end
            request = replace(request, posters=True)
        try:
            report = coordinator.render(request)
        except LessonFailed as e:
            e.report.totals["phases"] = coordinator.phases
            self.cache.flush()  # the scenes that did render share their chunks all the same
            raise
        except LessonCancelled:
            self.cache.flush()
            raise
        report.totals["phases"] = coordinator.phases
        self._share_chunks(report)
        return report

    def own(self, source: SceneSource) -> SceneSource:
        """The source as this farm runs it: stamped with its owner."""
        return replace(source, owner=self.config.owner) if self.config.owner else source

    def _owned(self, request: RenderRequest) -> RenderRequest:
        if not self.config.owner:
            return request
        source = self.own(request.source) if request.source is not None else None
        parts = tuple((name, self.own(part)) for name, part in request.parts)
        return replace(request, source=source, parts=parts)

    def _share_chunks(self, report: LessonReport) -> None:
        started = time.monotonic()
        failures = self.cache.flush()
        if self.cache.remote is not None:
            report.totals["phases"]["share_chunks_s"] = round(time.monotonic() - started, 3)
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise DeliveryFailed(f"{failures[0]}{more}; {_KEPT}", report)

    def publish(self, request: RenderRequest, report: LessonReport) -> Published | None:
        """Publishes a finished render to the configured storage; its URLs go in the report."""
        if self.config.storage is None:
            return None
        started = time.monotonic()
        try:
            published = publish_render(self.config.storage, request, report)
        except StorageError as e:
            raise DeliveryFailed(str(e), report) from e
        report.totals.setdefault("phases", {})["publish_s"] = round(time.monotonic() - started, 3)
        return published


_KEPT = "the rendered chunks are kept in the local cache and uploaded on the next run"
