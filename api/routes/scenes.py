"""One scene of a lesson: edit by instruction, or replace with code; each makes a version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from api import jobs
from api.deps import CallerDep, RuntimeDep
from api.routes.docs import AUTHED, accepted
from api.routes.lessons import LessonId, accepted_job
from api.schemas import Accepted, SceneEdit, SceneReplace
from cluster.jobs.store import JobOp

router = APIRouter(prefix="/v1/lessons/{lesson_id}/scenes", tags=["scenes"])
SceneIndex = Annotated[int, Path(ge=1, le=12, description="1-based position in the lesson")]


@router.post(
    "/{index}/edits",
    status_code=202,
    response_model=Accepted,
    responses=accepted(*AUTHED, 404, 409, 413, 415, 429),
)
def edit_scene(
    lesson_id: LessonId,
    index: SceneIndex,
    body: SceneEdit,
    runtime: RuntimeDep,
    caller: CallerDep,
    response: Response,
) -> Accepted:
    """Change one scene by instruction (Claude); a new version re-renders only that scene."""
    job = jobs.revise(runtime, caller, lesson_id, index, JobOp.EDIT, body.instruction)
    return accepted_job(job, response)


@router.put(
    "/{index}",
    status_code=202,
    response_model=Accepted,
    responses=accepted(*AUTHED, 404, 409, 413, 415, 429),
)
def replace_scene(
    lesson_id: LessonId,
    index: SceneIndex,
    body: SceneReplace,
    runtime: RuntimeDep,
    caller: CallerDep,
    response: Response,
) -> Accepted:
    """Replace one scene with your code; a new version re-renders only that scene."""
    job = jobs.revise(runtime, caller, lesson_id, index, JobOp.REPLACE, body.code)
    return accepted_job(job, response)
