"""Lessons made and edited: the studio service (plan, write, probe, render, publish, edit one
scene) and where a lesson is kept while it is worked on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cluster.lazy import lazy_exports

if TYPE_CHECKING:
    from cluster.lessons.lesson_dir import LessonDir, LessonDirError
    from cluster.lessons.store import LessonStore
    from cluster.lessons.studio import FINAL, Made, Studio

_HOMES = {
    "FINAL": "cluster.lessons.studio",
    "LessonDir": "cluster.lessons.lesson_dir",
    "LessonDirError": "cluster.lessons.lesson_dir",
    "LessonStore": "cluster.lessons.store",
    "Made": "cluster.lessons.studio",
    "Studio": "cluster.lessons.studio",
}
__all__ = [
    "FINAL",
    "LessonDir",
    "LessonDirError",
    "LessonStore",
    "Made",
    "Studio",
]
__getattr__ = lazy_exports(__name__, _HOMES)
