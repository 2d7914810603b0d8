"""The chunk cache: an unchanged lesson renders nothing; an edited scene re-renders alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderers import frame_hashes

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration


def _rendered(run) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {s["name"]: sum(not c["cached"] for c in s["chunks"]) for s in run.report["scenes"]}


def test_second_run_renders_nothing_and_edit_rerenders_one_scene(
    farm: Farm, tmp_path: Path
) -> None:
    lesson = tmp_path / "lesson.py"
    lesson.write_text((SCENES / "identity.py").read_text())
    scenes = ["TransformScene", "LaggedScene", "WaitsOnly"]
    first = farm.render(lesson, *scenes, "--workers", "2", out="a.mp4")
    assert first.code == 0, first.stderr[-2000:]

    second = farm.render(lesson, *scenes, "--workers", "2", out="b.mp4")
    assert second.code == 0
    assert second.report["totals"]["cached_chunks"] == second.report["totals"]["chunks"] > 0
    assert set(_rendered(second).values()) == {0}
    assert frame_hashes(second.output) == frame_hashes(first.output)

    lesson.write_text(
        lesson.read_text().replace("dots.animate.arrange(DOWN)", "dots.animate.arrange(UP)")
    )
    third = farm.render(lesson, *scenes, "--workers", "2", out="c.mp4")
    assert third.code == 0
    rendered = _rendered(third)
    assert rendered["LaggedScene"] >= 1
    assert rendered["TransformScene"] == rendered["WaitsOnly"] == 0
    # the edited file is the next version of the same lesson; unchanged scenes keep their URLs
    assert third.report["lesson_id"] == first.report["lesson_id"]
    assert "/v1/lesson.mp4" in first.report["video_url"]
    assert "/v2/lesson.mp4" in third.report["video_url"]
    urls = {s["name"]: s["video_url"] for s in third.report["scenes"]}
    assert urls["TransformScene"] == first.scene("TransformScene")["video_url"]
    assert urls["LaggedScene"].endswith("/v2/scene.mp4")


def test_no_cache_renders_everything(farm: Farm) -> None:
    run = farm.render(SCENES / "broken.py", "First", "--no-cache")
    assert run.code == 0
    assert run.report["totals"]["cached_chunks"] == 0
    assert run.report["totals"]["rendered_chunks"] == run.report["totals"]["chunks"] > 0


def test_a_pool_of_another_size_replaces_the_warm_one(farm: Farm, tmp_path: Path) -> None:
    """--workers beyond the cores after a run with one per core: the second run gets a pool of
    its size, not the old actors (a whole CPU each) and a new one Ray could never place."""
    lesson = tmp_path / "lesson.py"
    lesson.write_text((SCENES / "identity.py").read_text())
    for workers in ("2", "3"):
        run = farm.render(lesson, "TransformScene", "--workers", workers, "--no-cache", timeout=240)
        assert run.code == 0, run.stderr[-2000:]
        assert run.report["totals"]["rendered_chunks"] >= 1
