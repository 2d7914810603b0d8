"""Where Studio keeps a lesson while it works on it: a directory (the CLI) or Redis (the API).

Both hold the record (`load` / `save`); videos are rendered into `version_dir(n)` on this
machine, and published from there to the configured storage.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scenes import Lesson

if TYPE_CHECKING:  # the CLI's lesson commands never load redis
    from cluster.jobstore.lessons import LessonRecords


class LessonStore(Protocol):
    def load(self) -> Lesson: ...

    def save(self, lesson: Lesson) -> None: ...

    def version_dir(self, number: int) -> Path: ...


class RedisLessonStore:
    """The record in the job store; render staging under `staging` (the data dir)."""

    def __init__(self, records: LessonRecords, lesson_id: str, staging: Path) -> None:
        self.records = records
        self.lesson_id = lesson_id
        self.staging = staging

    def load(self) -> Lesson:
        return self.records.load(self.lesson_id)

    def save(self, lesson: Lesson) -> None:
        if lesson.id != self.lesson_id:
            raise ValueError(f"this store holds lesson {self.lesson_id}, not {lesson.id}")
        self.records.save(lesson)

    def version_dir(self, number: int) -> Path:
        return self.staging / f"v{number}"
