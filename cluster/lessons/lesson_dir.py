"""A lesson kept in a directory: its record, every scene version's source, every video.

    DIR/lesson.json                      the record: plan, attempts, versions, usage
    DIR/scenes/02-Pythagoras/v1.py       each scene version's source
    DIR/v1/lesson.mp4, DIR/v1/report.json, DIR/v1/scenes/NN-Scene.mp4
    DIR/v1/lesson.silent.mp4, lesson.vtt, lesson.srt, chapters.vtt   narrated lessons

Versions are never overwritten: an edit adds `v2/` beside `v1/`. Files are written to a
temporary name and renamed, so a crash never leaves a half-written record.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from renderers.engines import source_suffix
from renderers.files import atomic_write
from scenes import Lesson

RECORD = "lesson.json"


class LessonDirError(Exception):
    """The directory holds no lesson, or one that cannot be read."""


class LessonDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def exists(self) -> bool:
        return (self.root / RECORD).is_file()

    def load(self) -> Lesson:
        path = self.root / RECORD
        try:
            return Lesson.model_validate_json(path.read_text())
        except FileNotFoundError as e:
            raise LessonDirError(f"{self.root} is not a lesson directory (no {RECORD})") from e
        except (OSError, ValidationError) as e:
            raise LessonDirError(f"cannot read {path}: {e}") from e

    def save(self, lesson: Lesson) -> None:
        atomic_write(self.root / RECORD, (lesson.model_dump_json(indent=2) + "\n").encode())
        self._write_sources(lesson)

    def version_dir(self, number: int) -> Path:
        return self.root / f"v{number}"

    def _write_sources(self, lesson: Lesson) -> None:
        for record in lesson.scenes:
            for version in record.versions:
                path = self.root / "scenes" / f"{record.index:02d}-{version.class_name}"
                source = path / f"v{version.number}{source_suffix(record.engine)}"
                if not source.exists():
                    atomic_write(source, version.code.encode())
