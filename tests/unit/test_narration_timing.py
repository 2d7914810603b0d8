"""Beats placed on a scene's frames, checked against its probe, and cut into its track."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from cluster.lessons.narration import (
    MarksError,
    SceneNarration,
    check,
    cues,
    layout,
    scene_track,
)
from cluster.lessons.narration.beats import Beat
from renderers.audio import LESSON_RATE, Pcm, frame_samples
from renderers.models import AnimationInfo

FPS = 15
PER_FRAME = LESSON_RATE // FPS


def tone(seconds: float, level: int = 1000) -> Pcm:
    n = round(seconds * LESSON_RATE)
    return Pcm(np.full(n, level, dtype="<i2").tobytes(), LESSON_RATE)


def narration(*seconds: float) -> SceneNarration:
    beats = tuple(Beat(i, f"Beat {i}.", tone(s, 1000 + i)) for i, s in enumerate(seconds))
    return SceneNarration(beats, "test", "v")


def plays(*seconds: float) -> list[AnimationInfo]:
    return [AnimationInfo(i, s) for i, s in enumerate(seconds)]


def test_unmarked_beats_follow_each_other_on_frame_boundaries() -> None:
    slots = layout(narration(1.0, 0.5, 0.7), FPS, gap_s=0.2)
    assert [(s.start_frame, s.audio_frames) for s in slots] == [(0, 15), (18, 8), (29, 11)]
    assert all(s.animation_frames is None for s in slots)


def test_marked_beats_start_on_their_first_animation() -> None:
    slots = layout(narration(1.0, 1.0), FPS, plays(0.5, 1.0, 1.2, 0.3), marks=[0, 2])
    assert [s.start_frame for s in slots] == [0, 8 + 15]
    assert [s.animation_frames for s in slots] == [23, 18 + 5]


def test_a_voice_is_never_cut_by_the_next_beat() -> None:
    # beat 0's animations (0.5 s) are shorter than its voice (2 s): beat 1 waits for it
    slots = layout(narration(2.0, 1.0), FPS, plays(0.5, 3.0), marks=[0, 1])
    assert [s.start_frame for s in slots] == [0, 30]


def test_matching_animations_pass() -> None:
    slots = layout(narration(1.0, 2.0), FPS, plays(1.0, 2.0), marks=[0, 1])
    verdict = check(slots, scene_frames=45, fps=FPS)
    assert verdict.fix_request is None and verdict.hold_frames == 0


def test_a_scene_too_short_for_its_last_beat_is_held() -> None:
    slots = layout(narration(1.0, 2.0), FPS, plays(1.0, 1.2), marks=[0, 1])
    verdict = check(slots, scene_frames=15 + 18, fps=FPS)
    assert verdict.fix_request is None
    assert verdict.hold_frames == 30 - 18  # the last frame held until the voice ends


def test_an_earlier_beat_too_short_is_sent_back() -> None:
    slots = layout(narration(2.0, 1.0), FPS, plays(0.5, 3.0), marks=[0, 1])
    fix = check(slots, scene_frames=8 + 45, fps=FPS).fix_request
    assert fix is not None and "beat 0 ('Beat 0.')" in fix and "at least 2.00 s" in fix
    assert "self.voiceover(i)" in fix


def test_animations_far_longer_than_the_voice_are_sent_back() -> None:
    slots = layout(narration(1.0, 1.0), FPS, plays(1.0, 4.5), marks=[0, 1])
    fix = check(slots, scene_frames=15 + 68, fps=FPS, max_silence_s=2.0).fix_request
    assert fix is not None and "beat 1" in fix and "shorten them to about 1.00 s" in fix
    lenient = check(slots, scene_frames=15 + 68, fps=FPS, max_silence_s=4.0)
    assert lenient.fix_request is None


def test_an_unmarked_scene_is_checked_as_a_whole() -> None:
    slots = layout(narration(1.0, 1.0), FPS, gap_s=0.0)
    assert check(slots, scene_frames=20, fps=FPS).hold_frames == 10
    long = check(slots, scene_frames=30 + 31, fps=FPS).fix_request
    assert long is not None and "the scene lasts 4.07 s but its narration only 2.00 s" in long


def test_the_track_lasts_the_video_to_the_sample_with_beats_at_their_frames() -> None:
    spoken = narration(1.0, 0.5)
    slots = layout(spoken, FPS, gap_s=0.2)
    track = scene_track(spoken, slots, video_frames=37, fps=FPS)
    assert track.samples == frame_samples(37, FPS) == 37 * PER_FRAME
    samples = np.frombuffer(track.data, dtype="<i2")
    second = slots[1].start_frame * PER_FRAME
    assert samples[0] == 1000 and samples[second - 1] == 0 and samples[second] == 1001
    assert not samples[second + round(0.5 * LESSON_RATE) :].any()


def test_a_track_shorter_than_the_voice_is_cut_to_the_video() -> None:
    spoken = narration(3.0)
    track = scene_track(spoken, layout(spoken, FPS), video_frames=10, fps=FPS)
    assert track.samples == 10 * PER_FRAME


def test_cues_are_the_beats_in_seconds() -> None:
    spoken = narration(1.0, 0.5)
    slots = layout(spoken, FPS, gap_s=0.2)
    assert [(c.start_s, c.end_s, c.text) for c in cues(spoken, slots, FPS)] == [
        (Fraction(0), Fraction(1), "Beat 0."),
        (Fraction(18, 15), Fraction(18, 15) + Fraction(1, 2), "Beat 1."),
    ]


def test_the_report_and_web_props_carry_the_same_durations() -> None:
    from cluster.lessons.narration.deliver import beat_props, scene_report

    spoken = narration(1.0, 0.5)
    verdict = check(layout(spoken, FPS, gap_s=0.2), scene_frames=40, fps=FPS)
    report = scene_report(spoken, verdict, FPS)
    assert report["provider"] == "test" and report["audio_s"] == 1.5
    assert [(b["duration_s"], b["start_s"]) for b in report["beats"]] == [(1.0, 0.0), (0.5, 1.2)]
    assert report["hold_frames"] == 0 and report["timing_fix"] is None
    assert beat_props(spoken) == {
        "beats": [{"text": "Beat 0.", "durationS": 1.0}, {"text": "Beat 1.", "durationS": 0.5}]
    }


@pytest.mark.parametrize(
    ("marks", "why"),
    [
        ([0], "1 beat marks for 2 beats"),
        ([0, 9], "out of range 0..2"),
        ([-1, 1], "out of range"),
        ([0, True], "out of range"),
        ([2, 0], "out of order"),
    ],
)
def test_marks_from_the_sandbox_are_checked(marks: list[Any], why: str) -> None:
    with pytest.raises(MarksError, match=why):
        layout(narration(1.0, 1.0), FPS, plays(1.0, 1.0), marks=marks)
