"""The domain: lessons, scenes, chunks and their status machines."""

from scenes.status import (
    ChunkStatus,
    InvalidTransition,
    LessonStatus,
    SceneStatus,
    chunk_transition,
    lesson_transition,
    scene_transition,
)

__all__ = [
    "ChunkStatus",
    "InvalidTransition",
    "LessonStatus",
    "SceneStatus",
    "chunk_transition",
    "lesson_transition",
    "scene_transition",
]
