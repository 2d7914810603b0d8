"""A lesson rendered by a farm connected to the test's Ray nodes (in this process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cluster.delivery.storage import Storage
from cluster.farm import Event, Farm, FarmConfig, LessonReport, RenderRequest, WorkerConfig
from renderers import ChunkPolicy, Quality, SceneSource

LESSON = "lesson-0123456789ab"
EACH_ANIMATION = ChunkPolicy(target_frames=1)  # every animation its own chunk


def render(
    address: str,
    data_dir: Path,
    out: Path,
    file: Path,
    scenes: list[str],
    emit: Callable[[Event], None] = lambda _: None,
    groups: tuple[tuple[str, str], ...] = (),
    storage: Storage | None = None,
) -> LessonReport:
    """Renders without reading the chunk cache unless a shared store is given (whose chunk
    tier is then what is tested)."""
    config = FarmConfig(
        data_dir,
        ray_address=address,
        worker=WorkerConfig(backend="bwrap"),
        storage=storage,
        stay_connected=True,  # the module's fixture leaves the cluster once, at its end
    )
    request = RenderRequest(
        LESSON,
        SceneSource(file.name, file.read_text()),
        out / "lesson.mp4",
        scenes=tuple(scenes),
        quality=Quality.LOW,
        use_cache=storage is not None,
        scenes_dir=out / "scenes",
        policy=EACH_ANIMATION,
        groups=groups,
    )
    with Farm(config) as farm:
        return farm.render(request, emit)


def chunks(report: LessonReport) -> list[tuple[str, int, int, str | None, str | None]]:
    """(scene, first animation, attempts, node, group) of every chunk."""
    return [
        (s.name, c.first_animation, c.attempts, c.node, c.group)
        for s in report.scenes
        for c in s.chunks
    ]
