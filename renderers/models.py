"""What the renderer layer knows about scenes and chunks: plain, serialisable values."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from renderers.quality import Quality


@dataclass(frozen=True)
class SceneSource:
    """A scene file: its name (as tracebacks show it) and its text."""

    filename: str
    code: str
    # Narration: the duration of each beat, in seconds (what `voice.beat(i)` gives the scene's
    # code), and frames its last frame is held so its voice can finish. Both change what the
    # scene draws, so both are part of its fingerprint (and so of its cache keys).
    beats: tuple[float, ...] = ()
    hold_frames: int = 0
    # Whose code it is (the API owner; "" for the local user). Its sandbox jobs run for that
    # owner alone (a warm sandbox is recycled, caches and all, when the owner changes), and it
    # is part of every cache key: a result a poisoned sandbox forged reaches its owner only.
    owner: str = ""


@dataclass(frozen=True)
class AnimationInfo:
    index: int
    run_time_s: float
    kinds: tuple[str, ...] = ()
    build_s: float = 0.0  # the probe's time to build the scene through it, drawing nothing


@dataclass(frozen=True)
class SceneProbe:
    name: str
    animations: tuple[AnimationInfo, ...] = ()
    layout: tuple[str, ...] = ()  # off-frame or overlapping text, when the probe was asked
    # (name, SVG) of the scene's TeX expressions as its probe compiled them: the scene's chunks
    # start with these instead of running LaTeX again on every worker.
    tex: tuple[tuple[str, str], ...] = ()
    # Narration, when the scene was given beats: for beat i, the number of the first animation
    # played in its `voiceover(i)` block (None: never entered), and the frame (at the probe's
    # rate) that block started on.
    beat_marks: tuple[int | None, ...] = ()
    beat_frames: tuple[int | None, ...] = ()

    @property
    def is_still(self) -> bool:
        return not self.animations

    def frames(self, fps: int, first: int = 0, last: int | None = None) -> int:
        """Estimated frames of animations first..last (inclusive)."""
        chosen = self.animations[first : (len(self.animations) if last is None else last + 1)]
        return sum(max(1, math.ceil(a.run_time_s * fps - 1e-9)) for a in chosen)


@dataclass(frozen=True)
class ChunkSpec:
    """A contiguous range of one scene's animations, both ends inclusive.

    A still scene has one chunk with first = last = -1: its final frame held `still_s`.
    """

    scene: str
    index: int  # position of this chunk in its scene
    first: int
    last: int
    est_frames: int
    quality: Quality
    still_s: float = 0.0

    @property
    def label(self) -> str:
        return (
            f"{self.scene}[{self.first}-{self.last}]" if self.first >= 0 else f"{self.scene}[still]"
        )


@dataclass(frozen=True)
class ScoutSpec:
    """A scene's first job when nothing is known of it yet: draw it from its start until
    `budget_frames` are drawn (finishing the animation that reaches them), probe the rest."""

    scene: str
    quality: Quality
    budget_frames: int
    still_s: float = 1.0  # how long a still scene's clip is held

    @property
    def label(self) -> str:
        return f"{self.scene}[scout]"


@dataclass(frozen=True)
class RenderedChunk:
    spec: ChunkSpec
    frames: int
    render_s: float  # time inside the sandbox
    peak_memory_mb: float = 0.0
    latex_runs: int = 0  # TeX expressions it had to compile (not given, nor cached in its sandbox)
    poster: bytes = b""  # the scene's last frame as a JPEG, when this chunk ends the scene
    meta: dict[str, str] = field(default_factory=dict)
