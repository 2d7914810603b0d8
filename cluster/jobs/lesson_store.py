"""A lesson's record kept in the job store (Redis), for Studio: the API's lesson store."""

from __future__ import annotations

from pathlib import Path

from cluster.jobs.store.lessons import LessonRecords
from scenes import Lesson


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
