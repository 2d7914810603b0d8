"""cluster.farm.report: LessonReport totals and JSON shape."""

from __future__ import annotations

import json
from pathlib import Path

from cluster.farm.report import ChunkReport, LessonReport, SceneReport


def _scenes() -> list[SceneReport]:
    return [
        SceneReport(
            "Intro",
            90,
            3.0,
            [ChunkReport(0, 1, 45, 2.5, False, 1), ChunkReport(2, 3, 45, 0.0, True)],
        ),
        SceneReport("Card", 15, 1.0, [ChunkReport(-1, -1, 15, 0.4, False, 2)]),
        SceneReport(
            "Broken", 0, 0.0, [], error="NameError: name 'Cirle' is not defined", status="failed"
        ),
        SceneReport("Outro", 60, 2.0, [ChunkReport(0, 4, 60, 0.0, True)]),
    ]


def test_build_totals() -> None:
    report = LessonReport.build("lesson-1", _scenes(), wall_s=12.34567)
    assert report.totals == {
        "wall_s": 12.346,
        "chunks": 4,
        "cached_chunks": 2,
        "rendered_chunks": 2,
        "failed_scenes": 1,
    }
    assert report.lesson_id == "lesson-1"
    assert report.video is None
    assert report.error is None


def test_empty_report() -> None:
    report = LessonReport.empty("lesson-2")
    assert report.scenes == []
    assert report.totals == {
        "wall_s": 0.0,
        "chunks": 0,
        "cached_chunks": 0,
        "rendered_chunks": 0,
        "failed_scenes": 0,
    }
    assert report.to_json()["scenes"] == []


def test_to_json_shape() -> None:
    data = LessonReport.build("lesson-1", _scenes(), wall_s=5.0).to_json()
    json.dumps(data)  # plain JSON all the way down
    assert [s["name"] for s in data["scenes"]] == ["Intro", "Card", "Broken", "Outro"]
    intro = data["scenes"][0]
    assert (intro["frames"], intro["duration_s"]) == (90, 3.0)
    assert intro["chunks"][0] == {
        "first_animation": 0,
        "last_animation": 1,
        "frames": 45,
        "render_s": 2.5,
        "cached": False,
        "attempts": 1,
        "scouted": False,
    }
    for scene in data["scenes"]:
        assert {"name", "frames", "duration_s", "chunks"} <= set(scene)
        for chunk in scene["chunks"]:
            assert {"first_animation", "last_animation", "frames", "render_s", "cached"} <= set(
                chunk
            )
    assert {"wall_s", "chunks", "cached_chunks"} <= set(data["totals"])
    assert data["totals"]["chunks"] == sum(len(s["chunks"]) for s in data["scenes"])
    assert data["lesson_id"] == "lesson-1"


def test_error_only_on_failed_scenes() -> None:
    data = LessonReport.build("lesson-1", _scenes(), wall_s=5.0).to_json()
    by_name = {s["name"]: s for s in data["scenes"]}
    assert by_name["Broken"]["error"] == "NameError: name 'Cirle' is not defined"
    assert by_name["Broken"]["status"] == "failed"
    for name in ("Intro", "Card", "Outro"):
        assert "error" not in by_name[name]


def test_to_json_does_not_change_the_report() -> None:
    report = LessonReport.build("lesson-1", _scenes(), wall_s=5.0)
    report.to_json()
    again = report.to_json()
    assert report.scenes[0].error is None
    assert "error" not in again["scenes"][0]
    assert again["scenes"][2]["error"] is not None


def test_write_is_the_json(tmp_path: Path) -> None:
    report = LessonReport.build("lesson-1", _scenes(), wall_s=5.0)
    path = tmp_path / "out" / "report.json"
    report.write(path)
    assert json.loads(path.read_text()) == report.to_json()
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]
