"""What a render is asked for, and how it can end without a lesson video."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cluster.farm.nodes import DEFAULT_GROUP, check_group
from cluster.farm.report import LessonReport
from renderers import ChunkPolicy, Quality, SceneSource


class LessonCancelled(Exception):
    """The lesson was cancelled: chunks not yet started were dropped, nothing was stitched."""


class LessonFailed(Exception):
    """The lesson video was not written; `report` says which scenes failed and why."""

    def __init__(self, message: str, report: LessonReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class RenderRequest:
    """A lesson to render: scenes of one file (`source`), or one file per scene (`parts`)."""

    lesson_id: str
    source: SceneSource | None
    output: Path
    scenes: tuple[str, ...] = ()  # empty: every scene, in definition order
    quality: Quality = Quality.LOW
    use_cache: bool = True
    allow_partial: bool = False
    scenes_dir: Path | None = None  # where per-scene videos go; None: not kept
    policy: ChunkPolicy = field(default_factory=ChunkPolicy)
    parts: tuple[tuple[str, SceneSource], ...] = ()  # (scene, its own file), in lesson order
    posters: bool = False  # each scene's last frame as a JPEG too (what publishing needs)
    # (scene, worker group) for scenes that require one, e.g. gpu_render; the others render
    # in the default group. All of a scene's chunks render in its group (one device class).
    groups: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if (self.source is None) == (not self.parts):
            raise ValueError("a render request needs either a source file or scene parts")
        names = [name for name, _ in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(f"scene names must be unique within a lesson: {names}")
        for _, group in self.groups:
            check_group(group)

    def group_of(self, scene: str) -> str:
        """The worker group (device class) a scene renders in."""
        return dict(self.groups).get(scene, DEFAULT_GROUP)

    def source_of(self, scene: str) -> SceneSource:
        """The file a scene of this request is defined in."""
        if self.source is not None:
            return self.source
        return dict(self.parts)[scene]
