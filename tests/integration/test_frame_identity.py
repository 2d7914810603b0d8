"""Chunked farm output equals plain manim output, frame for frame (ffmpeg framemd5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderers import frame_hashes, probe_video

from .conftest import SCENES, Farm, manim_reference

pytestmark = pytest.mark.integration
FILE = SCENES / "identity.py"
CHUNKED = ["TransformScene", "UpdaterScene", "ClockScene", "MathTexScene", "LaggedScene"]


@pytest.fixture(scope="module")
def run(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    farm = Farm(data_dir, tmp_path_factory.mktemp("identity"))
    scenes = [*CHUNKED, "WaitsOnly", "StillScene"]
    # --chunk-frames 1: every animation its own chunk, the most boundaries there can be
    result = farm.render(FILE, *scenes, "--workers", "2", "--chunk-frames", "1", "--no-cache")
    assert result.code == 0, result.stderr[-3000:]
    return result


@pytest.mark.parametrize("scene", [*CHUNKED, "WaitsOnly"])
def test_scene_matches_plain_manim(run, scene: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if scene in CHUNKED:
        assert len(run.scene(scene)["chunks"]) >= 2
    reference = manim_reference(FILE, scene, tmp_path)
    assert frame_hashes(run.scene_video(scene)) == frame_hashes(reference)


def test_still_scene_is_its_frame_held_one_second(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    chunks = run.scene("StillScene")["chunks"]
    assert [(c["first_animation"], c["last_animation"]) for c in chunks] == [(-1, -1)]
    reference = manim_reference(FILE, "StillSceneHeld", tmp_path)
    assert frame_hashes(run.scene_video("StillScene")) == frame_hashes(reference)


def test_lesson_is_the_scenes_in_order(run) -> None:  # type: ignore[no-untyped-def]
    expected = [h for s in run.report["scenes"] for h in frame_hashes(run.scene_video(s["name"]))]
    assert frame_hashes(run.output) == expected
    info = probe_video(run.output)
    assert (info.width, info.height, info.fps) == (854, 480, 15)
    assert info.frames == sum(s["frames"] for s in run.report["scenes"])
