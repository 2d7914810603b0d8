"""The render report: what `--report` writes, per scene and chunk, plus totals."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from renderers.files import atomic_write


@dataclass
class ChunkReport:
    first_animation: int
    last_animation: int
    frames: int
    render_s: float
    cached: bool
    attempts: int = 0
    scouted: bool = False  # drawn by its scene's scout, the job that also probed the scene
    group: str | None = None  # the worker group (device class) it was rendered in
    node: str | None = None  # the Ray node that rendered it this run; None when cached


@dataclass
class SceneReport:
    name: str
    frames: int
    duration_s: float
    chunks: list[ChunkReport]
    error: str | None = None
    status: str = "ready"
    video_url: str | None = None  # where the published scene video is served
    poster_url: str | None = None
    # why it failed, typed: error, timeout, memory, killed, forbidden, output_rejected,
    # sandbox (the infrastructure's), generation (no working code could be written)
    error_status: str | None = None
    video: str | None = None  # where this run wrote the scene's video
    poster: str | None = None  # its last frame as a JPEG, when the render made posters
    # narrated lessons only: provider, voice, audio_s, beats, hold_frames, timing_fix
    narration: dict[str, Any] | None = None
    engine: str = "manim"  # what drew it: "manim" or "web"


@dataclass
class LessonReport:
    lesson_id: str
    scenes: list[SceneReport]
    totals: dict[str, Any] = field(default_factory=dict)
    video: str | None = None
    error: str | None = None
    video_url: str | None = None  # where the published lesson video is served
    poster_url: str | None = None
    # narrated lessons only: provider, voice, loudness, status, speech counts, caption URLs
    narration: dict[str, Any] | None = None

    @classmethod
    def build(cls, lesson_id: str, scenes: list[SceneReport], wall_s: float) -> LessonReport:
        chunks = [c for s in scenes for c in s.chunks]
        totals = {
            "wall_s": round(wall_s, 3),
            "chunks": len(chunks),
            "cached_chunks": sum(c.cached for c in chunks),
            "rendered_chunks": sum(not c.cached for c in chunks),
            "failed_scenes": sum(s.error is not None for s in scenes),
        }
        return cls(lesson_id, scenes, totals)

    @classmethod
    def empty(cls, lesson_id: str) -> LessonReport:
        return cls.build(lesson_id, [], 0.0)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for scene in data["scenes"]:
            for optional in ("error", "error_status", "narration"):
                if scene[optional] is None:
                    del scene[optional]
            for chunk in scene["chunks"]:
                for unknown in ("group", "node"):  # a report from before worker groups
                    if chunk[unknown] is None:
                        del chunk[unknown]
        if data["narration"] is None:  # a silent lesson's report is as it always was
            del data["narration"]
        return data

    def write(self, path: Path) -> None:
        atomic_write(path, (json.dumps(self.to_json(), indent=2) + "\n").encode())
