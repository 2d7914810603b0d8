"""The farm's entry for one lesson: `Coordinator.render(request)` runs a `LessonRender` with
the farm's pools, chunk cache and event sink (see cluster/farm/lesson_render.py)."""

from __future__ import annotations

from collections.abc import Callable

from cluster.farm.cache import ChunkCache
from cluster.farm.events import Event
from cluster.farm.lesson_render import LessonRender, Pools
from cluster.farm.probe_codec import remember_probe
from cluster.farm.render_request import LessonCancelled, LessonFailed, RenderRequest
from cluster.farm.report import LessonReport

__all__ = [
    "Coordinator",
    "LessonCancelled",
    "LessonFailed",
    "Pools",
    "RenderRequest",
    "remember_probe",
]


class Coordinator:
    def __init__(
        self,
        pools: Pools,
        cache: ChunkCache,
        emit: Callable[[Event], None],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        self.pools = pools
        self.cache = cache
        self.emit = emit
        self.cancelled = cancelled
        self.phases: dict[str, float] = {}  # the last render's, in seconds

    def render(self, req: RenderRequest) -> LessonReport:
        run = LessonRender(self.pools, self.cache, self.emit, self.cancelled, req)
        try:
            return run.run()
        finally:
            self.phases = run.phases
