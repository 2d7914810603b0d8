"""Beat durations for scene code, inside the sandbox: animations timed to the voice.

The narration is spoken before the scene is written, so each beat's duration is known. Scene
code reads it, in the spirit of manim-voiceover:

    from manim import *
    from voice import VoiceoverScene

    class Pythagoras(VoiceoverScene):
        def construct(self):
            with self.voiceover(0) as tracker:          # beat 0: "A right triangle..."
                self.play(Create(triangle), run_time=tracker.duration)
            with self.voiceover(1) as tracker:
                self.play(Write(formula), run_time=tracker.duration / 2)
                # leaving the block waits out what is left of the beat's voice

`Voiceover` is the same as a mixin for other bases (`class S(Voiceover, MovingCameraScene)`),
and `beat(i)` is beat i's duration in seconds.

The job's entry gives the durations (`set_beats`) before the scene is built, and after a probe
reads `marks()`: for each beat, the number of the first animation played inside its block,
which places the beat's voice (and its caption) on that animation's first frame.
Only manim and the standard library are imported: this runs beside untrusted code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from manim import Scene, config

_beats: tuple[float, ...] = ()
_marks: dict[int, int] = {}


def set_beats(durations_s: Sequence[float]) -> None:
    """The scene's beat durations, in seconds (called by the entry, once per job)."""
    global _beats
    values = tuple(float(d) for d in durations_s)
    if any(not 0 <= d < 3600 for d in values):
        raise ValueError(f"beat durations out of range: {values}")
    _beats = values
    _marks.clear()


def beats() -> tuple[float, ...]:
    return _beats


def beat(index: int) -> float:
    """Beat `index`'s duration in seconds."""
    if not isinstance(index, int) or not 0 <= index < len(_beats):
        raise IndexError(
            f"there is no narration beat {index!r}: this scene has {len(_beats)} "
            f"(0 to {len(_beats) - 1})"
        )
    return _beats[index]


def marks() -> list[int | None]:
    """For beats 0..n-1, the number of the first animation played in each beat's block;
    None for a beat the scene never entered (its voice then follows the previous one's)."""
    return [_marks.get(i) for i in range(len(_beats))]


@dataclass
class Tracker:
    duration: float  # the beat's voice, in seconds
    _scene: Any
    _start: float

    def elapsed(self) -> float:
        return float(self._scene.time) - self._start

    def remaining(self) -> float:
        return max(0.0, self.duration - self.elapsed())


class Voiceover:
    """Mixin for a Scene: `with self.voiceover(i) as tracker:` times a block to beat i."""

    @contextmanager
    def voiceover(self, index: int) -> Iterator[Tracker]:
        scene: Any = self
        duration = beat(index)
        if index in _marks:
            raise RuntimeError(f"narration beat {index} is used twice")
        _marks[index] = int(scene.renderer.num_plays)
        tracker = Tracker(duration, scene, float(scene.time))
        yield tracker
        # Wait out the voice, unless less than half a frame of it is left. Manim draws
        # int(d * fps) frames for a still wait and ceil(d * fps) for an animated one: almost a
        # frame more makes both cover the voice (the animated one may hold a frame longer).
        fps = float(config.frame_rate)
        left = tracker.remaining()
        if left * fps >= 0.5:
            scene.wait(left + 0.999 / fps)


class VoiceoverScene(Voiceover, Scene):
    """A Manim Scene with `self.voiceover(i)`."""
