"""A lesson in the studio: its page (plan, scenes, player, versions), the parts the page
refreshes live, its events for EventSource, its media, and editing one scene."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.datastructures import FormData

from api import jobs
from api.deps import RuntimeDep
from api.errors import NotFound, QuotaProblem, to_problem
from api.runtime import Runtime
from api.sse import TooManyStreams
from api.studio import forms, media, views
from api.studio.auth import User, UserDep, check_csrf, form_of
from api.studio.web import StudioRoute, page
from cluster.delivery.storage import object_keys
from cluster.jobs.store import JOB_FINAL, START, JobOp, LessonEntry, valid_stream_id

router = APIRouter(
    prefix="/studio/lessons/{lesson_id}", route_class=StudioRoute, include_in_schema=False
)
LessonId = Annotated[str, Path(pattern=r"^lesson-[0-9a-f]{12}$")]
SceneIndex = Annotated[int, Path(ge=1, le=12)]
Version = Annotated[int | None, Query(ge=1, le=100_000)]
FormDep = Annotated[FormData, Depends(form_of)]


def _entry(runtime: Runtime, user: User, lesson_id: str) -> LessonEntry:
    return runtime.store.lessons.owned(user.owner, lesson_id)  # another owner's: LessonMissing


def _version(entry: LessonEntry, version: int | None) -> int | None:
    """The version to play: the one asked for, else the latest (None before the first)."""
    count = len(entry.lesson.versions)
    if version is not None and version > count:
        raise NotFound(f"lesson {entry.lesson.id} has no version {version}")
    return version or (count or None)


def _context(
    runtime: Runtime, user: User, entry: LessonEntry, version: int | None
) -> dict[str, Any]:
    """Everything the lesson page and its live parts show."""
    lesson = entry.lesson
    events = runtime.store.events.read(lesson.id, START, None, runtime.store.events.max_len)
    live = views.fold(events)
    running = entry.job is not None and entry.job.state not in JOB_FINAL
    return {
        "user": user,
        "lesson": lesson,
        "entry": entry,
        "title": _title(entry),
        "running": running,
        "live": live,
        "scenes": views.scene_rows(entry, live),
        "progress": views.progress(entry, live),
        "versions": views.version_rows(lesson),
        "usage": lesson.usage,
        "cost_usd": lesson.cost_usd,
        "generation": runtime.generation_enabled,
        "player": _player(runtime, entry, _version(entry, version)),
        "edit": {"errors": {}, "values": {}},
    }


def _title(entry: LessonEntry) -> str:
    lesson = entry.lesson
    if lesson.plan is not None:
        return lesson.plan.title
    return ", ".join(s.class_name for s in lesson.scenes) or "A new lesson"


def _player(runtime: Runtime, entry: LessonEntry, number: int | None) -> dict[str, Any] | None:
    if number is None:
        return None
    lesson = entry.lesson
    version = lesson.versions[number - 1]
    report = runtime.store.lessons.report(lesson.id, number)
    chapters = views.chapters(lesson, report)
    posters = {
        i: n
        for i, n in version.scene_versions.items()
        if media.exists(runtime, object_keys.scene_poster(lesson.id, i, n))
    }
    return {
        "number": number,
        "latest": number == len(lesson.versions),
        "chapters": chapters,
        "posters": posters,
        "poster": media.exists(runtime, object_keys.lesson_poster(lesson.id, number)),
        "duration_s": views.duration_s(report),
    }


@router.get("")
def lesson_page(
    request: Request,
    lesson_id: LessonId,
    user: UserDep,
    runtime: RuntimeDep,
    version: Version = None,
) -> Response:
    entry = _entry(runtime, user, lesson_id)
    return page(request, "lesson.html", _context(runtime, user, entry, version))


@router.get("/live")
def live_part(
    request: Request, lesson_id: LessonId, user: UserDep, runtime: RuntimeDep
) -> Response:
    """The live region: progress, costs, plan and scenes (swapped in as events arrive)."""
    entry = _entry(runtime, user, lesson_id)
    return page(request, "_live.html", _context(runtime, user, entry, None))


@router.get("/player")
def player_part(
    request: Request,
    lesson_id: LessonId,
    user: UserDep,
    runtime: RuntimeDep,
    version: Version = None,
) -> Response:
    """The player and version history (swapped in when a job ends)."""
    entry = _entry(runtime, user, lesson_id)
    return page(request, "_player.html", _context(runtime, user, entry, version))


STREAM_RETRY_S = 5


@router.get("/events")
def events(
    lesson_id: LessonId,
    user: UserDep,
    runtime: RuntimeDep,
    after: Annotated[str | None, Query(max_length=64)] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
) -> StreamingResponse:
    """The lesson's events for EventSource: from `after` (what the page showed), or, on a
    reconnect, from the Last-Event-ID the browser sends, so nothing is repeated."""
    store = runtime.store
    store.lessons.owned(user.owner, lesson_id)
    since = (last_event_id or after or START).strip()
    if not valid_stream_id(since):
        since = START
    try:  # the studio's streams count against the key, as the API's do
        events = runtime.streams.stream(user.key.key_id, lesson_id, since)
    except TooManyStreams as e:
        raise QuotaProblem(str(e), STREAM_RETRY_S) from e
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


# -- media ----------------------------------------------------------------------------------


@router.get("/video")
def video(
    lesson_id: LessonId,
    user: UserDep,
    runtime: RuntimeDep,
    version: Version = None,
    download: bool = False,
) -> Response:
    number = _version(_entry(runtime, user, lesson_id), version)
    if number is None:
        raise NotFound(f"lesson {lesson_id} has no video yet")
    name = f"{lesson_id}-v{number}.mp4" if download else None
    return media.stored(runtime, object_keys.lesson_video(lesson_id, number), name)


@router.get("/poster")
def poster(
    lesson_id: LessonId, user: UserDep, runtime: RuntimeDep, version: Version = None
) -> Response:
    number = _version(_entry(runtime, user, lesson_id), version)
    if number is None:
        raise NotFound(f"lesson {lesson_id} has no poster yet")
    return media.stored(runtime, object_keys.lesson_poster(lesson_id, number))


@router.get("/scenes/{index}/poster")
def scene_poster(
    lesson_id: LessonId,
    index: SceneIndex,
    user: UserDep,
    runtime: RuntimeDep,
    version: Annotated[int, Query(ge=1, le=100_000)],
) -> Response:
    entry = _entry(runtime, user, lesson_id)
    if not 1 <= index <= len(entry.lesson.scenes):
        raise NotFound(f"lesson {lesson_id} has no scene {index}")
    return media.stored(runtime, object_keys.scene_poster(lesson_id, index, version))


@router.get("/chapters.vtt")
def chapters(
    lesson_id: LessonId, user: UserDep, runtime: RuntimeDep, version: Version = None
) -> Response:
    """WebVTT chapters, one per scene, from the version's report."""
    entry = _entry(runtime, user, lesson_id)
    number = _version(entry, version)
    if number is None:
        raise NotFound(f"lesson {lesson_id} has no video yet")
    report = runtime.store.lessons.report(lesson_id, number)
    items = views.chapters(entry.lesson, report)
    titles = {s.index: s.plan.goal for s in entry.lesson.scenes if s.plan is not None}
    body = views.chapters_vtt(items, titles)
    return Response(body, media_type="text/vtt", headers={"Cache-Control": "private, no-cache"})


@router.get("/captions.vtt")
def captions(
    lesson_id: LessonId, user: UserDep, runtime: RuntimeDep, version: Version = None
) -> Response:
    """WebVTT captions: each scene's planned narration over its span (the videos are silent)."""
    entry = _entry(runtime, user, lesson_id)
    number = _version(entry, version)
    if number is None:
        raise NotFound(f"lesson {lesson_id} has no video yet")
    items = views.chapters(entry.lesson, runtime.store.lessons.report(lesson_id, number))
    texts = {
        s.index: s.plan.narration if s.plan else f"{s.class_name} (no narration)"
        for s in entry.lesson.scenes
    }
    body = views.chapters_vtt(items, texts, numbered=False)
    return Response(body, media_type="text/vtt", headers={"Cache-Control": "private, no-cache"})


# -- changing the lesson --------------------------------------------------------------------


@router.post("/scenes/{index}/edit")
def edit_scene(
    request: Request,
    lesson_id: LessonId,
    index: SceneIndex,
    user: UserDep,
    form: FormDep,
    runtime: RuntimeDep,
) -> Response:
    """Claude edits one scene by instruction; the page follows the new job."""
    check_csrf(user, form)
    checked = forms.scene_edit(form)
    if checked.body is not None:
        failed = _revise(runtime, user, lesson_id, index, JobOp.EDIT, checked.body.instruction)
        if failed is None:
            return RedirectResponse(f"/studio/lessons/{lesson_id}", status_code=303)
        checked.errors, status = {"instruction": failed[1]}, failed[0]
    else:
        status = 422
    context = _context(runtime, user, _entry(runtime, user, lesson_id), None)
    context["edit"] = {"index": index, "errors": checked.errors, "values": checked.values}
    return page(request, "lesson.html", context, status_code=status)


@router.get("/scenes/{index}/code")
def code_page(
    request: Request, lesson_id: LessonId, index: SceneIndex, user: UserDep, runtime: RuntimeDep
) -> Response:
    entry = _entry(runtime, user, lesson_id)
    return _code_page(request, user, entry, index, None, {})


def _code_page(
    request: Request,
    user: User,
    entry: LessonEntry,
    index: int,
    code: str | None,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    if not 1 <= index <= len(entry.lesson.scenes):
        raise NotFound(f"lesson {entry.lesson.id} has no scene {index}")
    record = entry.lesson.scene(index)
    current = record.current
    context = {
        "user": user,
        "lesson": entry.lesson,
        "title": _title(entry),
        "scene": record,
        "code": code if code is not None else (current.code if current else ""),
        "errors": errors,
        "running": entry.job is not None and entry.job.state not in JOB_FINAL,
    }
    return page(request, "code.html", context, status_code=status)


@router.post("/scenes/{index}/code")
def replace_scene(
    request: Request,
    lesson_id: LessonId,
    index: SceneIndex,
    user: UserDep,
    form: FormDep,
    runtime: RuntimeDep,
) -> Response:
    """Replaces one scene with the code sent; only that scene renders again."""
    check_csrf(user, form)
    checked = forms.scene_replace(form)
    status = 422
    if checked.body is not None:
        failed = _revise(runtime, user, lesson_id, index, JobOp.REPLACE, checked.body.code)
        if failed is None:
            return RedirectResponse(f"/studio/lessons/{lesson_id}", status_code=303)
        status, checked.errors = failed[0], {"code": failed[1]}
    entry = _entry(runtime, user, lesson_id)
    return _code_page(request, user, entry, index, checked.values["code"], checked.errors, status)


def _revise(
    runtime: Runtime, user: User, lesson_id: str, index: int, op: JobOp, text: str
) -> tuple[int, str] | None:
    """Starts the job; None, or the status and reason it was refused (409 while one runs)."""
    try:
        jobs.revise(runtime, user.key, lesson_id, index, op, text)
    except Exception as exc:
        problem = to_problem(exc)
        if problem.status in (404, 500):
            raise
        return problem.status, problem.detail
    return None


@router.post("/cancel")
def cancel(lesson_id: LessonId, user: UserDep, form: FormDep, runtime: RuntimeDep) -> Response:
    check_csrf(user, form)
    jobs.cancel(runtime, user.key, lesson_id)
    return RedirectResponse(f"/studio/lessons/{lesson_id}", status_code=303)
