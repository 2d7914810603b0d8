"""scenes.status: the lesson, scene and chunk machines, checked pair by pair against an oracle."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

import pytest

from scenes.status import (
    ChunkStatus,
    InvalidTransition,
    LessonStatus,
    SceneStatus,
    chunk_transition,
    lesson_approve,
    lesson_restart,
    lesson_restore,
    lesson_transition,
    scene_restart,
    scene_restore,
    scene_transition,
)

L, S, C = LessonStatus, SceneStatus, ChunkStatus

# The one backward step: a scene whose probe failed goes back to be fixed (the repair loop).
# And the one side step: a plan kept for review (left by `lesson_approve`, or to a sink).
REPAIRS: set[tuple[StrEnum, StrEnum]] = {(S.PROBING, S.GENERATING), (L.PLANNING, L.PLANNED)}
OFF_FLOW: set[StrEnum] = {L.PLANNED}

# (transition, the forward flow, the states reachable from anywhere, the final states)
MACHINES: dict[str, tuple[Callable[..., StrEnum], list[StrEnum], set[StrEnum], set[StrEnum]]] = {
    "lesson": (
        lesson_transition,
        [L.QUEUED, L.PLANNING, L.GENERATING, L.RENDERING, L.STITCHING, L.UPLOADING, L.READY],
        {L.FAILED, L.CANCELLED},
        {L.READY, L.FAILED, L.CANCELLED},
    ),
    "scene": (
        scene_transition,
        [S.QUEUED, S.GENERATING, S.PROBING, S.RENDERING, S.READY],
        {S.FAILED},
        {S.READY, S.FAILED},
    ),
    "chunk": (
        chunk_transition,
        [C.QUEUED, C.RUNNING, C.DONE],
        {C.FAILED},
        {C.DONE, C.FAILED},
    ),
}
ENUMS: dict[str, type[StrEnum]] = {
    "lesson": LessonStatus,
    "scene": SceneStatus,
    "chunk": ChunkStatus,
}


def _expected(machine: str, state: StrEnum, new: StrEnum) -> bool:
    _, flow, sinks, final = MACHINES[machine]
    if state in final:
        return False
    if new in sinks or (state, new) in REPAIRS:
        return True
    return state in flow and new in flow and flow.index(new) > flow.index(state)


def _pairs() -> list[tuple[str, StrEnum, StrEnum]]:
    return [(m, a, b) for m, enum in ENUMS.items() for a in enum for b in enum]


def test_oracle_covers_every_status() -> None:
    for machine, (_, flow, sinks, _) in MACHINES.items():
        assert set(flow) | sinks | (OFF_FLOW if machine == "lesson" else set()) == set(
            ENUMS[machine]
        )


@pytest.mark.parametrize(("machine", "state", "new"), _pairs(), ids=lambda v: str(v))
def test_transition_matches_oracle(machine: str, state: StrEnum, new: StrEnum) -> None:
    transition, *_ = MACHINES[machine]
    if _expected(machine, state, new):
        result = transition(state, new)
        assert result == new
        assert type(result) is ENUMS[machine]
    else:
        with pytest.raises(InvalidTransition):
            transition(state, new)


def test_forward_skips_are_allowed() -> None:
    assert lesson_transition(L.QUEUED, L.READY) is L.READY
    assert lesson_transition(L.PLANNING, L.RENDERING) is L.RENDERING
    assert scene_transition(S.QUEUED, S.RENDERING) is S.RENDERING
    assert chunk_transition(C.QUEUED, C.DONE) is C.DONE  # a cache hit never runs


def test_backward_and_repeated_steps_are_refused() -> None:
    with pytest.raises(InvalidTransition):
        lesson_transition(L.STITCHING, L.RENDERING)
    with pytest.raises(InvalidTransition):
        scene_transition(S.RENDERING, S.PROBING)
    with pytest.raises(InvalidTransition):
        chunk_transition(C.RUNNING, C.QUEUED)
    with pytest.raises(InvalidTransition):
        chunk_transition(C.RUNNING, C.RUNNING)


def test_failure_from_any_live_state() -> None:
    for state in (L.QUEUED, L.RENDERING, L.UPLOADING):
        assert lesson_transition(state, L.FAILED) is L.FAILED
        assert lesson_transition(state, L.CANCELLED) is L.CANCELLED
    assert scene_transition(S.PROBING, S.FAILED) is S.FAILED
    assert chunk_transition(C.RUNNING, C.FAILED) is C.FAILED


def test_final_states_refuse_everything() -> None:
    for state in (L.READY, L.FAILED, L.CANCELLED):
        for new in LessonStatus:
            with pytest.raises(InvalidTransition, match="final"):
                lesson_transition(state, new)
    for new in SceneStatus:
        with pytest.raises(InvalidTransition):
            scene_transition(S.READY, new)
    for new in ChunkStatus:
        with pytest.raises(InvalidTransition):
            chunk_transition(C.FAILED, new)


def test_invalid_transition_is_a_value_error() -> None:
    assert issubclass(InvalidTransition, ValueError)


def test_a_new_version_restarts_a_finished_lesson_only() -> None:
    for done in (LessonStatus.READY, LessonStatus.FAILED, LessonStatus.CANCELLED):
        assert lesson_restart(done) is LessonStatus.QUEUED
    with pytest.raises(InvalidTransition, match="still rendering"):
        lesson_restart(LessonStatus.RENDERING)


def test_a_failed_revision_restores_the_lesson_as_it_was() -> None:
    assert lesson_restore(LessonStatus.GENERATING, LessonStatus.READY) is LessonStatus.READY
    with pytest.raises(InvalidTransition):
        lesson_restore(LessonStatus.READY, LessonStatus.FAILED)


def test_a_failed_scene_edit_restores_the_scene_but_a_ready_one_stays() -> None:
    assert scene_restart(SceneStatus.READY) is SceneStatus.QUEUED
    assert scene_restore(SceneStatus.PROBING, SceneStatus.READY) is SceneStatus.READY
    with pytest.raises(InvalidTransition):
        scene_restore(SceneStatus.READY, SceneStatus.FAILED)


def test_a_planned_lesson_waits_for_approval_and_is_approved_once() -> None:
    assert lesson_transition(L.PLANNING, L.PLANNED) is L.PLANNED
    assert lesson_approve(L.PLANNED) is L.QUEUED
    for new in (L.GENERATING, L.RENDERING, L.READY, L.PLANNING, L.QUEUED):
        with pytest.raises(InvalidTransition):
            lesson_transition(L.PLANNED, new)  # only approval moves it on
    assert lesson_transition(L.PLANNED, L.CANCELLED) is L.CANCELLED
    for state in LessonStatus:
        if state is not L.PLANNED:
            with pytest.raises(InvalidTransition, match="no plan waiting"):
                lesson_approve(state)  # an approved (queued) lesson is not approved again
    with pytest.raises(InvalidTransition):
        lesson_transition(L.QUEUED, L.PLANNED)  # planned only after planning
    with pytest.raises(InvalidTransition):
        lesson_restart(L.PLANNED)  # nothing to edit before a version exists
