"""Captions burnt into the picture (the one output that re-encodes the video)."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from renderers import is_faststart, probe_video
from renderers.subtitles import Cue, burn_in, srt

from .conftest import FPS, scene_video

pytestmark = pytest.mark.integration
WIDTH, HEIGHT = 854, 480


def gray_frame(video: Path, at_s: float) -> np.ndarray:
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-ss", f"{at_s:.3f}", "-i", str(video)]
    argv += ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]
    raw = subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(HEIGHT, WIDTH).astype(np.int16)


def test_captions_are_drawn_at_the_bottom_while_their_cue_lasts(tmp_path: Path) -> None:
    source = scene_video(tmp_path / "plain.mp4", 3 * FPS, "smptebars")
    cue = Cue(Fraction(1, 2), Fraction(2), "Nine plus sixteen is twenty-five.")
    out = burn_in(source, srt([cue]), tmp_path / "dir with 'quotes' and: colons" / "c.mp4")
    assert probe_video(out).frames == probe_video(source).frames == 3 * FPS
    assert is_faststart(out)
    during = np.abs(gray_frame(out, 1.2) - gray_frame(source, 1.2))
    after = np.abs(gray_frame(out, 2.6) - gray_frame(source, 2.6))
    bottom, top = slice(int(HEIGHT * 0.8), HEIGHT), slice(0, HEIGHT // 2)
    assert during[bottom].mean() > 5 * max(1.0, during[top].mean())  # text in the bottom band
    assert after[bottom].mean() < 3  # the cue is over: only encoding noise


def test_deliver_burns_captions_in_on_request(tmp_path: Path) -> None:
    from cluster.lessons.narration import NarrationConfig, check, layout, narrate_scene, speaker
    from cluster.lessons.narration.deliver import NarratedScene, deliver

    from .conftest import need

    need("espeak-ng")
    narration = narrate_scene("Captions for everyone.", speaker(NarrationConfig()))
    slots = layout(narration, FPS)
    frames = check(slots, 0, FPS).hold_frames + 2
    video = scene_video(tmp_path / "scene.mp4", frames)
    scene = NarratedScene("Only scene", frames, FPS, narration, slots)
    out = deliver([scene], video, tmp_path / "out", burn_captions=True)
    assert out.captioned is not None and is_faststart(out.captioned)
    assert probe_video(out.captioned).frames == frames
    kinds = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0"]
    streams = subprocess.run(
        [*kinds, str(out.captioned)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert streams == ["video", "audio"]  # the narration came along
