"""Where one scene of a render stands: its status, probe, chunks in, and its stitching."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster.farm.report import ChunkReport
from cluster.farm.worker import Failure
from renderers import ChunkSpec, SceneProbe
from scenes import SceneStatus, scene_transition


@dataclass
class SceneState:
    name: str
    index: int  # its place in the lesson
    status: SceneStatus = SceneStatus.QUEUED
    probe: SceneProbe | None = None
    planned: int = 0  # chunks in its plan
    chunks: dict[int, ChunkReport] = field(default_factory=dict)
    paths: dict[int, Path] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)  # chunk index -> cache key
    failure: Failure | None = None
    joining: Future[tuple[Path, Path | None]] | None = None  # stitching, once all chunks are in
    video: Path | None = None  # the stitched scene video, once written
    poster: Path | None = None  # its last frame, when the request asked for posters

    def move(self, new: SceneStatus) -> None:
        self.status = scene_transition(self.status, new)


@dataclass(frozen=True)
class ChunkIn:
    """A chunk of a scene that came in: rendered now, drawn by its scout, or from the cache."""

    spec: ChunkSpec
    key: str  # its cache key
    path: Path  # where the cache keeps it
    info: dict[str, Any]  # frames, render_s, peak_memory_mb
    cached: bool
    attempts: int = 0
    scouted: bool = False
    group: str | None = None  # the worker group it was rendered in
    node: str | None = None  # the node that rendered it, when rendered now
