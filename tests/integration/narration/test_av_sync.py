"""A/V sync, loudness, frame identity and captions of a narrated lesson of six scenes."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt

from cluster.lessons.narration import NarrationConfig, speaker
from renderers import frame_hashes, is_faststart, probe_video
from renderers.audio import LESSON_RATE, TARGET_LUFS, frame_samples, lesson_audio

from .conftest import FPS, need
from .lesson import Lesson, build_lesson

pytestmark = pytest.mark.integration
FRAME = 1 / FPS
FRAME_SAMPLES = LESSON_RATE // FPS


@pytest.fixture(scope="module")
def lesson(tmp_path_factory: pytest.TempPathFactory) -> Lesson:
    need("espeak-ng")
    tmp = tmp_path_factory.mktemp("narrated")
    return build_lesson(speaker(NarrationConfig(cache_dir=tmp / "tts")), tmp)


def seconds(stamp: webvtt.models.Timestamp) -> float:
    return stamp.hours * 3600 + stamp.minutes * 60 + stamp.seconds + stamp.milliseconds / 1000


def decoded_audio(video: Path) -> np.ndarray:
    """The lesson's audio as the player decodes it (AAC, edit list honoured)."""
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-map", "0:a:0"]
    argv += ["-f", "s16le", "-ar", str(LESSON_RATE), "-ac", "1", "pipe:1"]
    raw = subprocess.run(argv, capture_output=True, check=True, timeout=120).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.int32)


def onset(samples: np.ndarray, start: int, threshold: float) -> int:
    """The first sample at or after `start` louder than `threshold`."""
    loud = np.flatnonzero(np.abs(samples[max(0, start) :]) > threshold)
    assert loud.size, f"no sound after sample {start}"
    return max(0, start) + int(loud[0])


def stream_duration_s(video: Path, kind: str) -> float:
    argv = ["ffprobe", "-v", "error", "-select_streams", f"{kind}:0"]
    argv += ["-show_entries", "stream=duration", "-of", "json", str(video)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    return float(json.loads(out)["streams"][0]["duration"])


def test_each_scene_track_lasts_exactly_its_video(lesson: Lesson) -> None:
    for scene, video in zip(lesson.scenes, lesson.videos, strict=True):
        frames = probe_video(video).frames
        assert frames == scene.frames
        track = scene.track()
        assert abs(track.duration_s - frames / FPS) <= FRAME / 2
        assert track.samples == frame_samples(frames, FPS)


def test_every_scene_starts_speaking_on_its_first_frame_without_drift(lesson: Lesson) -> None:
    encoded = lesson_audio([s.track() for s in lesson.scenes])  # the PCM that was encoded
    source = np.frombuffer(encoded.data, dtype="<i2").astype(np.int32)
    heard = decoded_audio(lesson.out.video)
    threshold = 0.1 * float(np.abs(source).max())
    misses = []
    for boundary in lesson.boundaries_s():
        at = round(boundary * LESSON_RATE)
        expected = onset(source, at, threshold)  # the voice's own onset, in the PCM we encoded
        assert expected - at < FRAME_SAMPLES  # the voice starts with its scene
        misses.append(onset(heard, at - FRAME_SAMPLES, threshold) - expected)
    assert all(abs(m) <= FRAME_SAMPLES for m in misses), misses
    assert abs(misses[-1]) <= LESSON_RATE // 1000, f"drift at the last boundary: {misses}"


def test_audio_and_video_end_together(lesson: Lesson) -> None:
    video_s = sum(s.frames for s in lesson.scenes) / FPS
    assert abs(stream_duration_s(lesson.out.video, "v") - video_s) <= FRAME / 2
    assert abs(stream_duration_s(lesson.out.video, "a") - video_s) <= FRAME


def test_loudness_is_normalised(lesson: Lesson) -> None:
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-i", str(lesson.out.video), "-map", "0:a:0"]
    argv += ["-af", "ebur128=peak=true", "-f", "null", "-"]
    log = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120).stderr
    summary = log[log.rindex("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary)
    assert integrated is not None and peak is not None, summary
    assert abs(float(integrated.group(1)) - TARGET_LUFS) <= 1.0, summary
    assert float(peak.group(1)) <= -0.5, summary  # true peak, after AAC


def test_video_frames_are_unchanged_and_it_streams(lesson: Lesson) -> None:
    assert frame_hashes(lesson.out.video) == frame_hashes(lesson.silent)
    assert is_faststart(lesson.out.video)


def test_captions_parse_and_start_on_their_beats(lesson: Lesson) -> None:
    expected = [
        (float(boundary) + slot.start_frame / FPS, slot.text)
        for scene, boundary in zip(lesson.scenes, lesson.boundaries_s(), strict=True)
        for slot in scene.slots
    ]
    vtt = webvtt.read(str(lesson.out.captions_vtt)).captions
    subs = list(srt.parse(lesson.out.captions_srt.read_text()))
    assert len(vtt) == len(subs) == len(expected) == 12
    for caption, sub, (start_s, text) in zip(vtt, subs, expected, strict=True):
        assert abs(seconds(caption.start_time) - start_s) <= FRAME
        assert abs(sub.start.total_seconds() - start_s) <= FRAME
        assert caption.text == sub.content == text
        assert sub.end > sub.start


def test_chapters_mark_every_scene(lesson: Lesson) -> None:
    parsed = webvtt.read(str(lesson.out.chapters_vtt)).captions
    assert [c.text for c in parsed] == [s.title for s in lesson.scenes]
    for chapter, boundary in zip(parsed, lesson.boundaries_s(), strict=True):
        assert abs(seconds(chapter.start_time) - float(boundary)) <= FRAME
    total = sum(s.frames for s in lesson.scenes) / FPS
    assert abs(seconds(parsed[-1].end_time) - total) <= FRAME
    assert lesson.out.captioned is None  # burning in is asked for, never a default
