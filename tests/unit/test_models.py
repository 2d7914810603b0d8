"""renderers.models: SceneProbe.frames and ChunkSpec.label."""

from __future__ import annotations

import pytest

from renderers.models import AnimationInfo, ChunkSpec, SceneProbe
from renderers.quality import Quality


def _probe(*run_times: float) -> SceneProbe:
    return SceneProbe("S", tuple(AnimationInfo(i, t) for i, t in enumerate(run_times)))


def test_still_scene_has_no_frames() -> None:
    probe = SceneProbe("Still")
    assert probe.is_still
    assert probe.frames(30) == 0


def test_frames_is_run_time_times_fps() -> None:
    assert _probe(1.0, 2.0).frames(15) == 45
    assert _probe(1.0, 2.0).frames(60) == 180


@pytest.mark.parametrize(
    ("run_time", "fps", "expected"),
    [
        (0.1, 30, 3),  # 0.1 * 30 == 3.0000000000000004: float noise must not add a frame
        (0.7, 30, 21),  # 20.999999999999996
        (1 / 3, 15, 5),
        (0.34, 15, 6),  # 5.1 frames -> 6
        (0.01, 15, 1),  # a sliver still takes one frame
        (0.0, 60, 1),  # a zero-length animation still takes one frame
    ],
)
def test_frames_rounds_up_per_animation(run_time: float, fps: int, expected: int) -> None:
    assert _probe(run_time).frames(fps) == expected


def test_frames_rounds_each_animation_separately() -> None:
    # 3 * 0.34 s at 15 fps: 3 * ceil(5.1) = 18, not ceil(15.3) = 16
    assert _probe(0.34, 0.34, 0.34).frames(15) == 18


def test_frames_of_a_range_is_inclusive() -> None:
    probe = _probe(1.0, 2.0, 3.0, 4.0)
    assert probe.frames(10, 0, 0) == 10
    assert probe.frames(10, 1, 2) == 50
    assert probe.frames(10, 2) == 70  # last=None: to the end
    assert probe.frames(10, 0, 3) == probe.frames(10) == 100


def test_frames_of_ranges_add_up() -> None:
    probe = _probe(0.3, 1.7, 2.2, 0.05, 4.0)
    whole = probe.frames(30)
    assert probe.frames(30, 0, 1) + probe.frames(30, 2, 4) == whole
    assert sum(probe.frames(30, i, i) for i in range(5)) == whole


def test_chunk_label() -> None:
    assert ChunkSpec("Intro", 0, 2, 5, 10, Quality.LOW).label == "Intro[2-5]"
    assert ChunkSpec("Card", 0, -1, -1, 15, Quality.LOW, 1.0).label == "Card[still]"
