"""The farm as the front doors see it: connect (or start) a cluster, keep warm workers, render."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from cluster import local, ray_api
from cluster.cache import ChunkCache
from cluster.coordinator import Coordinator, LessonFailed, RenderRequest
from cluster.events import Event
from cluster.pool import WorkerPool, default_workers
from cluster.report import LessonReport
from cluster.worker import WorkerConfig


@dataclass(frozen=True)
class FarmConfig:
    data_dir: Path
    ray_address: str | None = None  # None: the persistent local cluster
    workers: int | None = None  # None: one per CPU
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    idle_s: float = 900.0


class Farm:
    """Use as a context manager: `with Farm(config, say) as farm: farm.render(request, emit)`."""

    def __init__(self, config: FarmConfig, say: Callable[[str], None] = lambda _: None) -> None:
        self.config = config
        self.say = say
        self.cache = ChunkCache(config.data_dir / "cache")
        self._stack = contextlib.ExitStack()
        self.pool: WorkerPool | None = None
        self.started_cluster = False

    def __enter__(self) -> Farm:
        address = self.config.ray_address
        if address is None:
            self._stack.enter_context(local.in_use(self.config.data_dir))
            address, self.started_cluster = local.ensure_local_cluster(
                self.config.data_dir, os.cpu_count() or 1, self.config.idle_s
            )
            if self.started_cluster:
                self.say(
                    f"started a local Ray cluster at {address} (dashboard http://127.0.0.1:8265); "
                    f"it stays up for later runs, `scenefarm down` stops it"
                )
        resources = ray_api.connect(address)
        self._stack.callback(ray_api.disconnect)
        cpus = resources.get("CPU", 1.0)
        workers = self.config.workers or default_workers(cpus)
        self.pool = WorkerPool(self.config.worker, workers, cpus)
        info = self.pool.warm()
        self.say(
            f"{workers} warm workers on {address} "
            f"({info.get('backend')} sandbox, manim {info.get('manim')})"
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    def render(self, request: RenderRequest, emit: Callable[[Event], None]) -> LessonReport:
        assert self.pool is not None, "use Farm as a context manager"
        coordinator = Coordinator(self.pool, self.cache, emit)
        try:
            report = coordinator.render(request)
        except LessonFailed as e:
            e.report.totals["phases"] = coordinator.phases
            raise
        report.totals["phases"] = coordinator.phases
        return report
