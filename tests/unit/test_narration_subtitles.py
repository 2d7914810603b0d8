"""WebVTT, SRT and chapters from beat timings, parsed back with libraries."""

from __future__ import annotations

import io
from fractions import Fraction

import srt as srt_lib
import webvtt as webvtt_lib

from renderers.subtitles import Cue, SceneCaptions, chapters, lesson_cues, srt, webvtt

FPS = 15


def scenes() -> list[SceneCaptions]:
    return [
        SceneCaptions("Intro", 37, FPS, (Cue(Fraction(0), Fraction(2), "Hello <there> & you."),)),
        SceneCaptions(
            "Squares",
            40,
            FPS,
            (
                Cue(Fraction(1, 15), Fraction(1), "Two\n\nlines --> one."),
                Cue(Fraction(2), Fraction(9), "Runs past the end."),
            ),
        ),
    ]


def test_cues_move_onto_the_lessons_timeline_and_stop_at_their_scene() -> None:
    cues = lesson_cues(scenes())
    assert [(c.start_s, c.end_s) for c in cues] == [
        (Fraction(0), Fraction(2)),
        (Fraction(37, 15) + Fraction(1, 15), Fraction(37, 15) + 1),
        (Fraction(37, 15) + 2, Fraction(77, 15)),
    ]


def test_webvtt_parses_with_escaped_text() -> None:
    text = webvtt(lesson_cues(scenes()))
    parsed = webvtt_lib.from_buffer(io.StringIO(text)).captions
    assert [(c.start, c.end) for c in parsed] == [
        ("00:00:00.000", "00:00:02.000"),
        ("00:00:02.533", "00:00:03.467"),
        ("00:00:04.467", "00:00:05.133"),
    ]
    assert parsed[0].raw_text == "Hello &lt;there&gt; &amp; you."
    assert parsed[1].raw_text == "Two lines --&gt; one."


def test_srt_parses_and_keeps_one_line_per_cue() -> None:
    parsed = list(srt_lib.parse(srt(lesson_cues(scenes()))))
    assert [p.index for p in parsed] == [1, 2, 3]
    assert parsed[1].content == "Two lines --> one."
    assert parsed[2].start.total_seconds() == 4.467
    assert parsed[2].end.total_seconds() == 5.133


def test_chapters_cover_the_lesson_scene_by_scene() -> None:
    parsed = webvtt_lib.from_buffer(io.StringIO(webvtt(chapters(scenes())))).captions
    assert [(c.start, c.end, c.text) for c in parsed] == [
        ("00:00:00.000", "00:00:02.467", "Intro"),
        ("00:00:02.467", "00:00:05.133", "Squares"),
    ]


def test_long_lessons_get_hours() -> None:
    cue = Cue(Fraction(3 * 3600 + 61) + Fraction(1, 2), Fraction(4 * 3600), "Late.")
    assert "03:01:01.500 --> 04:00:00.000" in webvtt([cue])
    assert "03:01:01,500 --> 04:00:00,000" in srt([cue])
