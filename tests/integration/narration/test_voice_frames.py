"""The sandbox helper counts frames as Manim draws them (a still wait rounded down, an
animation up), so each beat's first frame is exact; and `held` holds the last frame exactly
`hold_frames`. Run here on the host, on the test's own trusted scenes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from .test_voice_helper import FPS, GUEST, run_scene

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def voice() -> Iterator[ModuleType]:
    sys.path.insert(0, str(GUEST))
    try:
        import voice

        yield voice
    finally:
        sys.path.remove(str(GUEST))


def waits_then_beats(scene: Any) -> None:
    from manim import Create, FadeOut, Square

    square = Square()
    scene.wait(0.3)  # still: int(4.5) = 4 frames (the host's estimate says 5)
    with scene.voiceover(0) as tracker:
        scene.play(Create(square), run_time=tracker.duration)
    scene.wait(0.3)
    with scene.voiceover(1):
        scene.play(FadeOut(square), run_time=0.5)


def test_beat_frames_are_counted_as_drawn(voice: ModuleType) -> None:
    runs, _ = run_scene(voice, [1.0, 1.0], waits_then_beats)
    drawn = [round(r * FPS) for r in runs]
    assert drawn[0] == 4  # the still wait, rounded down
    assert voice.mark_frames() == [drawn[0], sum(drawn[:3])]
    assert voice.marks() == [1, 3]


@pytest.mark.parametrize("hold", [0, 7])
def test_a_held_scene_ends_on_its_last_frame_that_much_longer(voice: ModuleType, hold: int) -> None:
    from manim import Create, Dot, tempconfig

    class Short(voice.VoiceoverScene):  # type: ignore[misc, name-defined]
        def construct(self) -> None:
            dot = Dot()
            dot.add_updater(lambda m, dt: m.shift(0.01 * dt))  # updaters: frozen all the same
            self.play(Create(dot), run_time=0.4)

    voice.set_beats([1.0], hold)
    settings = {"dry_run": True, "frame_rate": FPS, "disable_caching": True}
    with tempconfig({**settings, "verbosity": "ERROR", "progress_bar": "none"}):
        scene = voice.held(Short)()
        scene.render()
    assert round(scene.time * FPS, 6) == 6 + hold
    assert (voice.held(Short) is Short) == (hold == 0)


def test_a_hold_out_of_range_is_refused(voice: ModuleType) -> None:
    with pytest.raises(ValueError, match="hold out of range"):
        voice.set_beats([1.0], -1)
