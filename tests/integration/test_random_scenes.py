"""Scenes with unseeded randomness render the same in many chunks as in one range: the guest
seeds Python's, NumPy's (and so networkx's) generators per scene, the same in every chunk."""

from __future__ import annotations

import pytest

from renderers import frame_hashes

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration
FILE = SCENES / "random_scenes.py"
NAMES = ["RandomDots", "RandomGraph"]


def test_random_scenes_are_the_same_in_chunks_as_in_one_range(farm: Farm) -> None:
    # --chunk-frames 1: every animation its own chunk, on two workers; 100000: one chunk each
    chunked = farm.render(
        FILE, *NAMES, "--workers", "2", "--chunk-frames", "1", "--no-cache", out="chunked.mp4"
    )
    assert chunked.code == 0, chunked.stderr[-3000:]
    whole = farm.render(FILE, *NAMES, "--chunk-frames", "100000", "--no-cache", out="whole.mp4")
    assert whole.code == 0, whole.stderr[-3000:]
    for name in NAMES:
        assert len(chunked.scene(name)["chunks"]) >= 3
        assert len(whole.scene(name)["chunks"]) == 1
        assert frame_hashes(chunked.scene_video(name)) == frame_hashes(whole.scene_video(name))
