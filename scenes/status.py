"""Status machines for lessons, scenes and chunks: a str Enum and one pure transition each."""

from __future__ import annotations

from collections.abc import Sequence, Set
from enum import StrEnum
from typing import TypeVar


class LessonStatus(StrEnum):
    QUEUED = "queued"
    PLANNING = "planning"
    PLANNED = "planned"  # the plan waits for the client's approval (no job runs, no slot held)
    GENERATING = "generating"
    RENDERING = "rendering"
    STITCHING = "stitching"
    UPLOADING = "uploading"
    READY = "ready"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SceneStatus(StrEnum):
    QUEUED = "queued"
    GENERATING = "generating"
    PROBING = "probing"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class ChunkStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


S = TypeVar("S", LessonStatus, SceneStatus, ChunkStatus)


class InvalidTransition(ValueError):
    """A status change the machine does not allow."""


_LESSON_FLOW = [
    LessonStatus.QUEUED,
    LessonStatus.PLANNING,
    LessonStatus.GENERATING,
    LessonStatus.RENDERING,
    LessonStatus.STITCHING,
    LessonStatus.UPLOADING,
    LessonStatus.READY,
]
_SCENE_FLOW = list(SceneStatus)[:5]
_CHUNK_FLOW = list(ChunkStatus)[:3]


def _forward(flow: Sequence[S], state: S, new: S, terminal: Set[S], sinks: Set[S]) -> S:
    if state in terminal:
        raise InvalidTransition(f"{state} is final")
    if new in sinks or (new in flow and state in flow and flow.index(new) > flow.index(state)):
        return new
    raise InvalidTransition(f"cannot go from {state} to {new}")


def lesson_transition(state: LessonStatus, new: LessonStatus) -> LessonStatus:
    """Forward along the flow (steps may be skipped), or to failed / cancelled. `planned` is
    off the flow: reached only from planning (a plan kept for review), and left only to
    failed / cancelled, or by `lesson_approve`."""
    if (state, new) == (LessonStatus.PLANNING, LessonStatus.PLANNED):
        return new
    terminal = {LessonStatus.READY, LessonStatus.FAILED, LessonStatus.CANCELLED}
    sinks = {LessonStatus.FAILED, LessonStatus.CANCELLED}
    return _forward(_LESSON_FLOW, state, new, terminal, sinks)


def scene_transition(state: SceneStatus, new: SceneStatus) -> SceneStatus:
    """Forward, or to failed; and back from probing to generating when a repair is asked.

    Each scene version runs this machine once: a new version (an edit) starts at queued.
    """
    if (state, new) == (SceneStatus.PROBING, SceneStatus.GENERATING):
        return new
    terminal = {SceneStatus.READY, SceneStatus.FAILED}
    return _forward(_SCENE_FLOW, state, new, terminal, {SceneStatus.FAILED})


def chunk_transition(state: ChunkStatus, new: ChunkStatus) -> ChunkStatus:
    terminal = {ChunkStatus.DONE, ChunkStatus.FAILED}
    return _forward(_CHUNK_FLOW, state, new, terminal, {ChunkStatus.FAILED})


def lesson_restart(state: LessonStatus) -> LessonStatus:
    """A new lesson version (an edit, a replacement) runs the machine afresh from queued; a
    lesson still in flight cannot start another."""
    if state not in {LessonStatus.READY, LessonStatus.FAILED, LessonStatus.CANCELLED}:
        raise InvalidTransition(f"a lesson still {state} cannot start a new version")
    return LessonStatus.QUEUED


def lesson_approve(state: LessonStatus) -> LessonStatus:
    """A plan kept for review is approved: the lesson is queued again, to be written from it.
    Only a lesson waiting in `planned` can be approved (once)."""
    if state is not LessonStatus.PLANNED:
        raise InvalidTransition(f"a lesson {state} has no plan waiting for approval")
    return LessonStatus.QUEUED


def lesson_restore(state: LessonStatus, before: LessonStatus) -> LessonStatus:
    """A new version that failed before rendering: the lesson is as it was before it began
    (its earlier versions stand)."""
    if state in {LessonStatus.READY, LessonStatus.CANCELLED}:
        raise InvalidTransition(f"a lesson {state} is not restored")
    return before


def scene_restart(state: SceneStatus) -> SceneStatus:  # noqa: ARG001 (a transition's shape)
    """Each new scene version (a first write, an edit) runs the scene machine from queued."""
    return SceneStatus.QUEUED


def scene_restore(state: SceneStatus, before: SceneStatus) -> SceneStatus:
    """A failed edit leaves the scene's current version standing, as it was before."""
    if state is SceneStatus.READY:
        raise InvalidTransition("a scene whose new version is ready is not restored")
    return before
