"""Scouts: with scenes enough to keep every worker busy, each scene's first job draws it from its
start (until its budget of frames) and probes the rest; the output is still plain manim's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from renderers import frame_hashes, probe_video

from .conftest import SCENES, Farm, Run, manim_reference

pytestmark = pytest.mark.integration
FILE = SCENES / "scouted.py"
LESSON = ["Sweep", "Formula", "Morph", "Still", "Broken"]


@pytest.fixture(scope="module")
def runs(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run]:
    farm = Farm(data_dir, tmp_path_factory.mktemp("scouts"))
    first = farm.render(FILE, *LESSON, "--workers", "2", "--allow-partial", out="first.mp4")
    assert first.code == 0, first.stderr[-3000:]
    again = farm.render(FILE, *LESSON, "--workers", "2", "--allow-partial", out="again.mp4")
    assert again.code == 0, again.stderr[-3000:]
    return first, again


def _ranges(scene: dict[str, Any]) -> list[tuple[int, int]]:
    return [(c["first_animation"], c["last_animation"]) for c in scene["chunks"]]


def test_a_long_scene_is_drawn_in_part_by_its_scout_and_the_rest_chunked(
    runs: tuple[Run, Run], tmp_path: Path
) -> None:
    sweep = runs[0].scene("Sweep")
    ranges = _ranges(sweep)
    assert len(ranges) >= 2 and ranges[0][0] == 0
    assert [b[0] for b in ranges[1:]] == [a[1] + 1 for a in ranges[:-1]]  # they tile the scene
    assert ranges[-1][1] == 7  # Sweep has 8 animations
    assert [c["scouted"] for c in sweep["chunks"]] == [True] + [False] * (len(ranges) - 1)
    reference = manim_reference(FILE, "Sweep", tmp_path)
    assert frame_hashes(runs[0].scene_video("Sweep")) == frame_hashes(reference)


@pytest.mark.parametrize("scene", ["Formula", "Morph"])
def test_a_short_scene_is_drawn_whole_by_its_scout(
    runs: tuple[Run, Run], scene: str, tmp_path: Path
) -> None:
    chunks = runs[0].scene(scene)["chunks"]
    assert [(c["first_animation"], c["scouted"]) for c in chunks] == [(0, True)], json.dumps(
        runs[0].report
    )
    reference = manim_reference(FILE, scene, tmp_path)
    assert frame_hashes(runs[0].scene_video(scene)) == frame_hashes(reference)


def test_a_still_scene_is_its_held_frame_drawn_by_its_scout(
    runs: tuple[Run, Run], tmp_path: Path
) -> None:
    chunks = runs[0].scene("Still")["chunks"]
    assert [(c["first_animation"], c["last_animation"], c["scouted"]) for c in chunks] == [
        (-1, -1, True)
    ]
    reference = manim_reference(FILE, "StillHeld", tmp_path)
    assert frame_hashes(runs[0].scene_video("Still")) == frame_hashes(reference)


def test_a_failing_scene_is_named_with_its_line_and_the_rest_is_intact(
    runs: tuple[Run, Run],
) -> None:
    broken = runs[0].scene("Broken")
    assert broken["chunks"] == []
    assert "ValueError" in broken["error"] and "scouted scenes fail" in broken["error"]
    line = (
        FILE.read_text()
        .splitlines()
        .index('        raise ValueError("scouted scenes fail like any other")')
    )
    assert f"line {line + 1}" in broken["error"]
    rendered = [s for s in runs[0].report["scenes"] if s["name"] != "Broken"]
    expected = [h for s in rendered for h in frame_hashes(runs[0].scene_video(s["name"]))]
    assert frame_hashes(runs[0].output) == expected
    assert probe_video(runs[0].output).frames == sum(s["frames"] for s in rendered)


def test_the_second_run_renders_nothing_and_keeps_the_scouted_plan(runs: tuple[Run, Run]) -> None:
    first, again = runs
    assert again.report["totals"]["rendered_chunks"] == 0
    for name in LESSON[:-1]:
        assert _ranges(again.scene(name)) == _ranges(first.scene(name))
        assert all(c["cached"] for c in again.scene(name)["chunks"])
    assert frame_hashes(again.output) == frame_hashes(first.output)
