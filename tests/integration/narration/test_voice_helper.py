"""The sandbox helper (renderers/guest/voice.py) in a real Manim scene, run here on the host
(the test's own trusted scene): each beat's block lasts at least its voice, its marks place
the beat's voice and caption on its first animation."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cluster.lessons.narration import SceneNarration, check, cues, layout
from cluster.lessons.narration.beats import Beat
from renderers.audio import LESSON_RATE, silence
from renderers.models import AnimationInfo

pytestmark = pytest.mark.integration
GUEST = Path(__file__).resolve().parents[3] / "renderers" / "guest"
FPS = 15


@pytest.fixture(scope="module")
def voice() -> Iterator[ModuleType]:
    sys.path.insert(0, str(GUEST))
    try:
        import voice

        yield voice
    finally:
        sys.path.remove(str(GUEST))


def run_scene(voice: ModuleType, durations: list[float], body: Any) -> tuple[list[float], Any]:
    """Runs `body(scene)` as a scene's construct, drawing nothing; returns the run time of
    every play and wait in order, as the farm's probe records them."""
    from manim import tempconfig

    class Probe(voice.VoiceoverScene):  # type: ignore[misc, name-defined]
        def construct(self) -> None:
            self.runs: list[float] = []
            body(self)

        def play(self, *args: Any, **kwargs: Any) -> None:
            before = self.time
            super().play(*args, **kwargs)
            self.runs.append(self.time - before)

    voice.set_beats(durations)
    settings = {"dry_run": True, "frame_rate": FPS, "disable_caching": True}
    with tempconfig({**settings, "verbosity": "ERROR", "progress_bar": "none"}):
        scene = Probe()
        scene.render()
    return scene.runs, scene


def narration_of(durations: list[float]) -> SceneNarration:
    beats = tuple(
        Beat(i, f"beat {i}", silence(round(d * LESSON_RATE), LESSON_RATE))
        for i, d in enumerate(durations)
    )
    return SceneNarration(beats, "test", "test")


def three_beats(scene: Any) -> None:
    from manim import LEFT, Create, FadeOut, Square

    square = Square()
    with scene.voiceover(0) as tracker:
        scene.play(Create(square), run_time=tracker.duration * 0.4)  # the rest is waited out
    with scene.voiceover(1) as tracker:
        scene.play(square.animate.shift(LEFT), run_time=tracker.duration)
    scene.wait(0.3)
    with scene.voiceover(2) as tracker:
        assert tracker.duration == 0.5
        scene.play(FadeOut(square), run_time=1.5)


def test_blocks_last_as_long_as_their_voice(voice: ModuleType) -> None:
    runs, scene = run_scene(voice, [1.0, 2.0, 0.5], three_beats)
    # Frames drawn: an animation ceil(run_time * fps), a still wait int(run_time * fps).
    assert [round(r * FPS, 6) for r in runs] == [6, 9, 30, 4, 23]
    assert voice.marks() == [0, 2, 4]
    assert scene.time == pytest.approx(72 / FPS)


def test_captions_start_on_each_beats_first_animation(voice: ModuleType) -> None:
    durations = [1.0, 2.0, 0.5]
    runs, _ = run_scene(voice, durations, three_beats)
    animations = [AnimationInfo(i, r) for i, r in enumerate(runs)]
    slots = layout(narration_of(durations), FPS, animations, voice.marks())
    first_frames = [0, 6 + 9, 6 + 9 + 30 + 4]
    assert [s.start_frame for s in slots] == first_frames
    starts = [c.start_s for c in cues(narration_of(durations), slots, FPS)]
    assert starts == [Fraction(f, FPS) for f in first_frames]
    verdict = check(slots, _probe(animations).frames(FPS), FPS)
    assert verdict.fix_request is None and verdict.hold_frames == 0


def test_a_beat_that_is_never_entered_follows_the_previous(voice: ModuleType) -> None:
    def skips_one(scene: Any) -> None:
        with scene.voiceover(0) as tracker:
            scene.wait(tracker.duration)
        scene.wait(1.0)

    runs, _ = run_scene(voice, [1.0, 0.4], skips_one)
    assert voice.marks() == [0, None]
    animations = [AnimationInfo(i, r) for i, r in enumerate(runs)]
    slots = layout(narration_of([1.0, 0.4]), FPS, animations, voice.marks(), gap_s=0.2)
    assert [s.start_frame for s in slots] == [0, 15 + 3]


def test_a_missing_beat_is_a_clear_error(voice: ModuleType) -> None:
    def too_far(scene: Any) -> None:
        with scene.voiceover(2):
            pass

    with pytest.raises(IndexError, match="no narration beat 2: this scene has 2"):
        run_scene(voice, [1.0, 1.0], too_far)


def _probe(animations: list[AnimationInfo]) -> Any:
    from renderers.models import SceneProbe

    return SceneProbe("Probe", tuple(animations))


@pytest.mark.parametrize("updaters", [False, True])
def test_the_waited_out_block_covers_its_voice_still_or_animated(
    voice: ModuleType, updaters: bool
) -> None:
    """Manim draws int(d * fps) frames for a still wait, ceil(d * fps) with updaters."""

    def one_beat(scene: Any) -> None:
        from manim import Create, Dot

        dot = Dot()
        if updaters:
            dot.add_updater(lambda m, dt: m.shift(0.01 * dt))
        scene.add(dot)
        with scene.voiceover(0) as tracker:
            scene.play(Create(dot.copy()), run_time=0.2)
            assert tracker.remaining() == pytest.approx(1.03 - 3 / FPS)

    runs, _ = run_scene(voice, [1.03], one_beat)
    frames = round(sum(runs) * FPS, 6)
    assert 16 <= frames <= 17  # the voice's ceil(1.03 * 15) = 16 frames, at most one more
