"""Posters: the job that draws a scene's last frame writes it as a JPEG; no ffmpeg decodes it
back out of the video. What a user sees: every scene's poster is its last frame."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from renderers import extract_poster
from renderers.poster import jpeg_size

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration

SCENE_NAMES = ("TransformScene", "WaitsOnly")


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_each_scene_poster_is_its_last_frame_drawn_in_the_sandbox(
    farm: Farm, tmp_path: Path
) -> None:
    started = time.time()
    run = farm.render(
        SCENES / "identity.py", *SCENE_NAMES, "--workers", "2", "--chunk-frames", "4", "--no-cache"
    )
    assert run.code == 0, run.stderr[-3000:]
    chunks = farm.data_dir / "cache" / "chunks"
    fresh = [p for p in chunks.rglob("*") if p.is_file() and p.stat().st_mtime >= started - 1]
    videos = [p for p in fresh if p.suffix == ".mp4"]
    posters = [p for p in fresh if p.suffix == ".jpg"]
    assert len(videos) == run.report["totals"]["chunks"] > len(SCENE_NAMES)
    # Only each scene's last chunk draws its last frame, so only it brings a poster.
    assert len(posters) == len(SCENE_NAMES)
    drawn = {p.read_bytes() for p in posters}
    for name in SCENE_NAMES:
        poster = Path(run.scene(name)["poster"])
        assert poster.read_bytes() in drawn
        assert jpeg_size(poster.read_bytes()) == (854, 480)
        # The same picture as the video's last frame decoded (that one went through H.264).
        decoded = extract_poster(run.scene_video(name), tmp_path / f"{name}.jpg")
        difference = np.abs(_pixels(poster) - _pixels(decoded)).mean()
        assert difference < 4.0, f"{name}: poster differs from the last frame by {difference}"
