"""A web scene's timeline at a quality preset: its frames, and the segments chunks are made of.

A composition says its own fps and duration; the video has the preset's fps. Time is kept:
the scene lasts durationInFrames / fps seconds at every preset, and preset frame f shows the
composition frame floor(f * fps / preset fps) (the latest one at that time: frames repeat when
the preset is faster, are skipped when it is slower). The size is scaled to the preset's,
letterboxed when the proportions differ (see the page's stage()).

Segments are one second of the preset's frames each (the last one shorter): every segment is
encoded on its own (an IDR frame starts it), as Manim encodes each animation, so a chunk is a
run of whole segments and its bytes do not depend on where the chunk boundaries fall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from renderers.models import AnimationInfo

SEGMENT_SECONDS = 1


@dataclass(frozen=True)
class Composition:
    id: str
    duration_in_frames: int
    fps: int
    width: int
    height: int

    @property
    def seconds(self) -> Fraction:
        return Fraction(self.duration_in_frames, self.fps)

    def total_frames(self, preset_fps: int) -> int:
        """The composition's length in the preset's frames (at least one)."""
        return max(1, math.ceil(self.seconds * preset_fps))

    def segments(self) -> tuple[AnimationInfo, ...]:
        """The scene as `animations` for the planner: one per second, the last one shorter."""
        count = max(1, math.ceil(self.seconds / SEGMENT_SECONDS))
        last = float(self.seconds - (count - 1) * SEGMENT_SECONDS)
        return tuple(
            AnimationInfo(i, float(SEGMENT_SECONDS) if i < count - 1 else last, ("segment",))
            for i in range(count)
        )


def segment_frames(preset_fps: int) -> int:
    return SEGMENT_SECONDS * preset_fps


def frame_range(comp: Composition, preset_fps: int, first: int, last: int) -> tuple[int, int]:
    """Segments first..last (inclusive) as preset frames first..last (inclusive)."""
    size = segment_frames(preset_fps)
    total = comp.total_frames(preset_fps)
    start = first * size
    end = min((last + 1) * size, total) - 1
    if not 0 <= start <= end:
        raise ValueError(f"segments {first}..{last} are outside a scene of {total} frames")
    return start, end
