"""The domain: lessons, scenes, chunks, their status machines; writing scene code with Claude."""

from scenes.checks import check_scene, scene_class_of
from scenes.claude import LLM, Claude, ClaudeConfig, estimate_cost_usd
from scenes.errors import (
    ClaudeUnavailable,
    GenerationError,
    MalformedReply,
    SceneFailed,
    StaticCheckError,
)
from scenes.event_kinds import EventKind
from scenes.generate import GenerationOptions, ProbeVerdict, SceneWriter, scene_source
from scenes.ids import LessonId, lesson_id_for, new_lesson_id, parse_lesson_id
from scenes.models import (
    Attempt,
    AttemptKind,
    Lesson,
    LessonPlan,
    LessonVersion,
    ScenePlan,
    SceneRecord,
    SceneVersion,
    Usage,
)
from scenes.status import (
    ChunkStatus,
    InvalidTransition,
    LessonStatus,
    SceneStatus,
    chunk_transition,
    lesson_restart,
    lesson_restore,
    lesson_transition,
    scene_restart,
    scene_restore,
    scene_transition,
)

__all__ = [
    "LLM",
    "Attempt",
    "AttemptKind",
    "ChunkStatus",
    "Claude",
    "ClaudeConfig",
    "ClaudeUnavailable",
    "EventKind",
    "GenerationError",
    "GenerationOptions",
    "InvalidTransition",
    "Lesson",
    "LessonId",
    "LessonPlan",
    "LessonStatus",
    "LessonVersion",
    "MalformedReply",
    "ProbeVerdict",
    "SceneFailed",
    "ScenePlan",
    "SceneRecord",
    "SceneStatus",
    "SceneVersion",
    "SceneWriter",
    "StaticCheckError",
    "Usage",
    "check_scene",
    "chunk_transition",
    "estimate_cost_usd",
    "lesson_id_for",
    "lesson_restart",
    "lesson_restore",
    "lesson_transition",
    "new_lesson_id",
    "parse_lesson_id",
    "scene_class_of",
    "scene_restart",
    "scene_restore",
    "scene_source",
    "scene_transition",
]
