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
which places the beat's voice (and its caption) on that animation's first frame, and
`mark_frames()`: that frame's number, counted as Manim draws them. A scene too short for its
voice is given `hold_frames`: `held(scene_cls)` then holds its last frame that long.
Only manim, numpy and the standard library are imported: this runs beside untrusted code.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import Scene, config

_beats: tuple[float, ...] = ()
_marks: dict[int, int] = {}
_mark_frames: dict[int, int] = {}
_hold = [0]  # frames the scene's last frame is held
_drawn = [0]  # frames of the plays so far, as Manim draws them


def set_beats(durations_s: Sequence[float], hold_frames: int = 0) -> None:
    """The scene's beat durations, in seconds, and its final hold in frames (called by the
    entry, once per job, before the scene's module is loaded)."""
    global _beats
    values = tuple(float(d) for d in durations_s)
    if any(not 0 <= d < 3600 for d in values):
        raise ValueError(f"beat durations out of range: {values}")
    if type(hold_frames) is not int or not 0 <= hold_frames < 100_000:
        raise ValueError(f"hold out of range: {hold_frames!r}")
    _beats = values
    _hold[0], _drawn[0] = hold_frames, 0
    _marks.clear()
    _mark_frames.clear()


def held(scene_cls: type[Scene]) -> type[Scene]:
    """`scene_cls`, its last frame held `hold_frames` after its own end (itself when none).

    A frozen wait: Manim draws int(d * fps) frames for it, updaters or not, so a wait of
    (n + 1/2) / fps is exactly n frames."""
    frames = _hold[0]
    if not frames:
        return scene_cls
    construct = scene_cls.construct

    def construct_then_hold(self: Scene) -> None:
        construct(self)
        self.wait((frames + 0.5) / config.frame_rate, frozen_frame=True)

    return type(scene_cls.__name__, (scene_cls,), {"construct": construct_then_hold})


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


def mark_frames() -> list[int | None]:
    """For beats 0..n-1, the frame each beat's block started on (None: never entered)."""
    return [_mark_frames.get(i) for i in range(len(_beats))]


def _frames_of(scene: Any) -> int:
    """Frames Manim draws for the play that just ended: int(d * fps) for a frozen frame (a
    still wait), one per time step of np.arange(0, d, 1 / fps) otherwise."""
    step = 1 / config.frame_rate
    if scene.is_current_animation_frozen_frame():
        return int(scene.duration / step)
    return len(np.arange(0, scene.duration, step))


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
        _mark_frames[index] = _drawn[0]
        tracker = Tracker(duration, scene, float(scene.time))
        yield tracker
        # Wait out the voice, unless less than half a frame of it is left. Manim draws
        # int(d * fps) frames for a still wait and ceil(d * fps) for an animated one: almost a
        # frame more makes both cover the voice (the animated one may hold a frame longer).
        fps = float(config.frame_rate)
        left = tracker.remaining()
        if left * fps >= 0.5:
            scene.wait(left + 0.999 / fps)

    def play(self, *args: Any, **kwargs: Any) -> None:
        # Every play and wait comes through here: count its frames exactly, so each beat's
        # first frame is known to the frame (the host's estimate rounds every wait up).
        scene: Any = self
        super().play(*args, **kwargs)  # type: ignore[misc]
        _drawn[0] += _frames_of(scene)


class VoiceoverScene(Voiceover, Scene):
    """A Manim Scene with `self.voiceover(i)`."""
