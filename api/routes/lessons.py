"""Lessons: create, list, read, follow (SSE), cancel, download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import FileResponse, RedirectResponse, StreamingResponse

from api import jobs, present
from api.deps import CallerDep, RuntimeDep, StoreDep, get_caller
from api.errors import BadRequest, GenerationUnavailable, NotFound, QuotaProblem
from api.routes.docs import AUTHED, EVENT_STREAM, accepted, problems
from api.schemas import (
    Accepted,
    LessonCreate,
    LessonPublic,
    LessonsPublic,
    PlanApproval,
    QuestionsAsk,
    QuestionsPublic,
)
from api.sse import TooManyStreams
from cluster.delivery.storage import LocalStorage, StorageError, object_keys
from cluster.jobs.store import START, LessonJob, valid_stream_id
from scenes import GenerationError, LessonStatus, questions

router = APIRouter(prefix="/v1/lessons", tags=["lessons"])
STREAM_RETRY_S = 5  # a stream of this key may well have ended by then
LessonId = Annotated[str, Path(pattern=r"^lesson-[0-9a-f]{12}$", examples=["lesson-0123456789ab"])]


@router.post(
    "/questions",
    response_model=QuestionsPublic,
    responses=problems(*AUTHED, 413, 415),
    dependencies=[Depends(get_caller)],  # signed-in callers only
)
def ask_questions(body: QuestionsAsk, runtime: RuntimeDep) -> QuestionsPublic:
    """Claude's two to four clarifying questions about a prompt, before the lesson is made:
    send the answers with it as `answers`, or skip this step. The step is optional, so when
    Claude cannot ask, the answer is no questions and `error` says why (not a 5xx)."""
    config = runtime.runner.claude
    if config is None or not runtime.generation_enabled:
        raise GenerationUnavailable("this server has no ANTHROPIC_API_KEY: it asks no questions")
    try:
        return QuestionsPublic(questions=questions.ask(config, body.prompt))
    except GenerationError as e:
        return QuestionsPublic(questions=[], error=f"Claude could not ask its questions: {e}")


@router.post(
    "",
    status_code=202,
    response_model=Accepted,
    responses=accepted(*AUTHED, 409, 413, 415, 429),
)
def create_lesson(
    body: LessonCreate,
    runtime: RuntimeDep,
    caller: CallerDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> Accepted:
    """Start a lesson from a prompt or from scene code; answers at once with its id."""
    return accepted_job(jobs.create(runtime, caller, body, idempotency_key), response)


def accepted_job(job: LessonJob, response: Response) -> Accepted:
    """A job recorded and queued: the 202's body, and the lesson's URL as its Location."""
    response.headers["Location"] = f"/v1/lessons/{job.lesson_id}"
    return Accepted(id=job.lesson_id, job=job.number, status=LessonStatus.QUEUED)


@router.get("", response_model=LessonsPublic, responses=problems(*AUTHED))
def list_lessons(
    store: StoreDep,
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> LessonsPublic:
    """The caller's lessons, newest first."""
    entries, count = store.lessons.page(caller.owner, offset, limit)
    data = [present.lesson_summary(e) for e in entries]
    return LessonsPublic(data=data, count=count, offset=offset, limit=limit)


@router.get("/{lesson_id}", response_model=LessonPublic, responses=problems(*AUTHED, 404))
def get_lesson(lesson_id: LessonId, store: StoreDep, caller: CallerDep) -> LessonPublic:
    """A lesson: status, scenes with their errors, progress, versions and video URLs."""
    return present.lesson_public(store, store.lessons.owned(caller.owner, lesson_id))


@router.get(
    "/{lesson_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-Sent Events: `id`, `event` (the kind) and JSON `data`, "
            "each a `LessonEvent` (components/schemas; `x-event-data` here)",
            "content": {"text/event-stream": EVENT_STREAM},
        },
        **problems(*AUTHED, 400, 404, 429),
    },
)
def lesson_events(
    lesson_id: LessonId,
    runtime: RuntimeDep,
    caller: CallerDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> StreamingResponse:
    """Every status change and chunk of the lesson as Server-Sent Events, resumable."""
    runtime.store.lessons.owned(caller.owner, lesson_id)
    after = START if last_event_id is None else last_event_id.strip()
    if not valid_stream_id(after):
        raise BadRequest(f"Last-Event-ID {after[:64]!r} is not an event id this API sent")
    try:
        events = runtime.streams.stream(caller.key_id, lesson_id, after)
    except TooManyStreams as e:
        raise QuotaProblem(str(e), STREAM_RETRY_S) from e
    headers = {"X-Accel-Buffering": "no"}  # Cache-Control: no-store, as every /v1/ answer
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


@router.post(
    "/{lesson_id}/cancel",
    status_code=202,
    response_model=Accepted,
    responses=accepted(*AUTHED, 404, 409),
)
def cancel_lesson(lesson_id: LessonId, runtime: RuntimeDep, caller: CallerDep) -> Accepted:
    """Cancel the running job: chunks not yet started are dropped, the lesson ends cancelled."""
    entry = jobs.cancel(runtime, caller, lesson_id)
    number = entry.job.number if entry.job else 0
    return Accepted(id=lesson_id, job=number, status=entry.lesson.status)


@router.post(
    "/{lesson_id}/plan",
    status_code=202,
    response_model=Accepted,
    responses=accepted(*AUTHED, 404, 409, 413, 415, 429),
)
def approve_plan(
    lesson_id: LessonId,
    body: PlanApproval,
    runtime: RuntimeDep,
    caller: CallerDep,
    response: Response,
) -> Accepted:
    """Approve the plan of a lesson made with `review_plan` (waiting `planned`), as edited
    here: its scenes reordered, deleted, added or reworded. Generation starts from exactly
    this plan; approving again, or a lesson not waiting, is a 409."""
    return accepted_job(jobs.approve(runtime, caller, lesson_id, body), response)


@router.get(
    "/{lesson_id}/video",
    response_class=FileResponse,
    responses={
        200: {"description": "The MP4", "content": {"video/mp4": {}}},
        307: {"description": "Redirect to the video's URL (S3 or CDN)"},
        **problems(*AUTHED, 404),
    },
)
def lesson_video(
    lesson_id: LessonId,
    runtime: RuntimeDep,
    caller: CallerDep,
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """The lesson's video (latest version, or `version`): the MP4, or a redirect to its URL."""
    lesson = runtime.store.lessons.owned(caller.owner, lesson_id).lesson
    number = version or (lesson.latest.number if lesson.latest else None)
    if number is None or number > len(lesson.versions):
        raise NotFound(f"lesson {lesson_id} has no video version {number or ''}".rstrip())
    key = object_keys.lesson_video(lesson_id, number)
    storage = runtime.storage
    try:
        if isinstance(storage, LocalStorage):
            return FileResponse(storage.open_public(key), media_type="video/mp4")
        return RedirectResponse(storage.url(key), status_code=307)
    except StorageError as e:
        raise NotFound(f"the video of version {number} is not stored: {e}") from e
