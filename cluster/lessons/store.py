"""Where Studio keeps a lesson while it works on it: a directory (the CLI) or Redis (the API).

Both hold the record (`load` / `save`); videos are rendered into `version_dir(n)` on this
machine, and published from there to the configured storage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from scenes import Lesson


class LessonStore(Protocol):
    def load(self) -> Lesson: ...

    def save(self, lesson: Lesson) -> None: ...

    def version_dir(self, number: int) -> Path: ...
