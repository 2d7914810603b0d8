"""A failing scene is named with its line and message; the others still render."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderers import frame_hashes, probe_video

from .conftest import SCENES, Farm, manim_reference

pytestmark = pytest.mark.integration
BROKEN = SCENES / "broken.py"


def test_scene_exception_names_scene_line_and_message(farm: Farm, tmp_path: Path) -> None:
    run = farm.render(BROKEN, "--no-cache")
    assert run.code == 1
    assert not run.output.exists()
    assert (
        "Broken" in run.stderr
        and "line 13" in run.stderr
        and "the square is not round" in run.stderr
    )
    error = run.scene("Broken")["error"]
    assert "ValueError" in error and "line 13" in error and "the square is not round" in error
    assert run.scene("Broken")["error_status"] == "error"
    for good in ("First", "Last"):
        assert "error" not in run.scene(good)
        assert frame_hashes(run.scene_video(good)) == frame_hashes(
            manim_reference(BROKEN, good, tmp_path)
        )


def test_allow_partial_writes_the_scenes_that_rendered(farm: Farm) -> None:
    run = farm.render(BROKEN, "--allow-partial")
    assert run.code == 0, run.stderr[-2000:]
    good = [s for s in run.report["scenes"] if "error" not in s]
    assert [s["name"] for s in good] == ["First", "Last"]
    assert probe_video(run.output).frames == sum(s["frames"] for s in good)


def test_syntax_error_fails_with_line(farm: Farm, tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from manim import *\n\nclass A(Scene):\n    def construct(self)\n        pass\n"
    )
    run = farm.render(bad)
    assert run.code == 1
    assert "SyntaxError" in run.stderr and "line 4" in run.stderr


def test_unknown_scene_is_a_clear_error(farm: Farm) -> None:
    run = farm.render(BROKEN, "Nope")
    assert run.code == 1
    assert "no scene named Nope" in run.stderr and "First, Broken, Last" in run.stderr


def test_missing_file_is_a_usage_error(farm: Farm, tmp_path: Path) -> None:
    run = farm.render(tmp_path / "missing.py")
    assert run.code == 2 and "cannot read" in run.stderr


def test_scenes_keep_definition_order_when_named_like_manim_classes(
    farm: Farm, tmp_path: Path
) -> None:
    # `from manim import *` already binds TangentLine and Circle in the module's namespace
    lesson = tmp_path / "order.py"
    lesson.write_text(
        "from manim import *\n\n"
        "class Intro(Scene):\n    def construct(self):\n        self.wait(0.2)\n\n"
        "class TangentLine(Scene):\n    def construct(self):\n        self.wait(0.2)\n\n"
        "class Outro(Scene):\n    def construct(self):\n        self.wait(0.2)\n"
    )
    run = farm.render(lesson)
    assert run.code == 0, run.stderr[-2000:]
    assert [s["name"] for s in run.report["scenes"]] == ["Intro", "TangentLine", "Outro"]
    scenes_dir = run.output.with_name(f"{run.output.stem}_scenes")
    assert sorted(p.name for p in scenes_dir.iterdir()) == [
        "01-Intro.mp4",
        "02-TangentLine.mp4",
        "03-Outro.mp4",
    ]
