"""A lesson dir keeps each scene version's code as its engine names files: web scenes as .tsx."""

from __future__ import annotations

from pathlib import Path

from cluster.lessons.lesson_dir import LessonDir
from renderers.engines import source_suffix
from scenes import AttemptKind, Lesson, SceneRecord, SceneVersion


def _record(index: int, engine: str, code: str) -> SceneRecord:
    version = SceneVersion(number=1, code=code, class_name=f"S{index}", origin=AttemptKind.REPLACE)
    return SceneRecord(index=index, engine=engine, versions=[version])


def test_sources_are_written_with_their_engines_suffix(tmp_path: Path) -> None:
    lesson = Lesson(id="lesson-0123456789ab", prompt="p")
    lesson.scenes = [_record(1, "manim", "class S1: ..."), _record(2, "web", "export default 1")]
    LessonDir(tmp_path).save(lesson)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("scenes/*/*"))
    assert written == ["scenes/01-S1/v1.py", "scenes/02-S2/v1.tsx"]
    assert (tmp_path / "scenes/02-S2/v1.tsx").read_text() == "export default 1"
    assert (source_suffix("manim"), source_suffix("web")) == (".py", ".tsx")
