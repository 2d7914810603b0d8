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
