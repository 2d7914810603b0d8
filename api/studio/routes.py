"""The studio's pages: sign-in and sign-out, the lessons list, and new lessons.

Every page is server-rendered; forms post and redirect (303) on success, or answer the same
page with each error at its field. The lesson page and its parts are in `lesson_routes.py`.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import jobs
from api.deps import RuntimeDep, StoreDep
from api.errors import to_problem
from api.runtime import Runtime
from api.schemas import LessonCreate
from api.studio import forms, media
from api.studio.auth import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    SessionsDep,
    User,
    UserDep,
    check_csrf,
    check_sign_in_csrf,
    clear_cookie,
    form_of,
    set_cookie,
    sign_in_token,
)
from api.studio.sessions import SESSION_TTL_S
from api.studio.views import ACTIVE_STATUSES, duration_s
from api.studio.web import StudioRoute, page
from cluster.delivery.storage import object_keys
from cluster.jobs.store import KeyRejected
from scenes import GenerationError, questions

router = APIRouter(prefix="/studio", route_class=StudioRoute, include_in_schema=False)
FormDep = Annotated[FormData, Depends(form_of)]
PAGE_SIZE = 12
NOTICES = {
    "expired": "Your session expired. Sign in again with your API key.",
    "signed-out": "You are signed out.",
}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("")
def home() -> RedirectResponse:
    return _see_other("/studio/lessons")


# -- signing in and out ---------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_page(request: Request, notice: str = "") -> Response:
    return _sign_in(request, {"notice": NOTICES.get(notice, "")})


def _sign_in(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    token = sign_in_token(request)
    response = page(request, "sign_in.html", {"user": None, "csrf": token, **context}, status_code)
    set_cookie(request, response, SIGN_IN_COOKIE, token, max_age=3600)
    return response


@router.post("/sign-in")
def sign_in(request: Request, form: FormDep, store: StoreDep, found: SessionsDep) -> Response:
    check_sign_in_csrf(request, form)
    sent = form.get("key")
    key_text = sent.strip() if isinstance(sent, str) else ""
    try:
        key = store.keys.authenticate(key_text)
    except KeyRejected as e:
        why = "enter your API key" if not key_text else f"this key does not work: {e}"
        return _sign_in(request, {"errors": {"key": why}}, status_code=401)
    response = _see_other("/studio/lessons")
    set_cookie(request, response, SESSION_COOKIE, found.create(key), max_age=SESSION_TTL_S)
    clear_cookie(request, response, SIGN_IN_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request, user: UserDep, form: FormDep, found: SessionsDep) -> Response:
    check_csrf(user, form)
    found.end(request.cookies.get(SESSION_COOKIE, ""))
    response = _see_other("/studio/sign-in?notice=signed-out")
    clear_cookie(request, response, SESSION_COOKIE)
    return response


# -- the lessons list -----------------------------------------------------------------------


@router.get("/lessons")
def lessons_page(
    request: Request,
    user: UserDep,
    runtime: RuntimeDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    store = runtime.store
    entries, count = store.lessons.page(user.owner, (page_number - 1) * PAGE_SIZE, PAGE_SIZE)
    rows = [_row(runtime, e.lesson) for e in entries]
    pages = max(1, -(-count // PAGE_SIZE))
    context = {"user": user, "rows": rows, "count": count, "page": page_number, "pages": pages}
    return page(request, "lessons.html", context)


def _row(runtime: Runtime, lesson: Any) -> dict[str, Any]:
    latest = lesson.latest
    report = runtime.store.lessons.report(lesson.id, latest.number) if latest else None
    poster = latest is not None and media.exists(
        runtime, object_keys.lesson_poster(lesson.id, latest.number)
    )
    return {
        "id": lesson.id,
        "title": _title(lesson),
        "status": lesson.status.value,
        "active": lesson.status.value in ACTIVE_STATUSES,
        "versions": len(lesson.versions),
        "duration_s": duration_s(report),
        "poster": poster,
        "version": latest.number if latest else None,
        "created_at": lesson.created_at,
    }


def _title(lesson: Any) -> str:
    if lesson.plan is not None:
        return str(lesson.plan.title)
    names = ", ".join(s.class_name for s in lesson.scenes)
    return names or (lesson.prompt[:80] if lesson.prompt else lesson.id)


# -- new lessons ----------------------------------------------------------------------------


@router.get("/lessons/new")
def new_page(request: Request, user: UserDep, runtime: RuntimeDep) -> Response:
    return _new(request, user, runtime, {})


def _new(
    request: Request, user: User, runtime: Runtime, context: dict[str, Any], status: int = 200
) -> Response:
    base: dict[str, Any] = {
        "user": user,
        "generation": runtime.generation_enabled,
        "qualities": forms.QUALITIES,
        "engines": forms.ENGINES,
        "idem": secrets.token_urlsafe(16),  # one lesson however often the form is sent
        "prompt": {"values": {"max_scenes": forms.MAX_SCENES_DEFAULT}, "errors": {}},
        "code": {"values": {}, "errors": {}, "slots": forms.code_slots([], {})},
        "active_form": "prompt" if runtime.generation_enabled else "code",
    }
    return page(request, "new.html", base | context, status_code=status)


@router.post("/lessons/prompt")
def create_from_prompt(
    request: Request, user: UserDep, form: FormDep, runtime: RuntimeDep
) -> Response:
    """From the new-lesson page: Claude's clarifying questions first; from the questions page
    (answered or skipped): the lesson. A server without Claude answers the form with why."""
    check_csrf(user, form)
    step = form.get("step")
    answers = forms.answer_pairs(form) if step == "answers" else []
    checked = forms.prompt_lesson(form, answers)
    if checked.body is not None and step not in ("answers", "skip") and runtime.generation_enabled:
        return _questions(request, user, runtime, form, checked.values)
    state = {"values": checked.values, "errors": checked.errors}
    return _create(request, user, runtime, form, checked.body, {"prompt": state})


def _questions(
    request: Request, user: User, runtime: Runtime, form: FormData, values: dict[str, Any]
) -> Response:
    asked: list[str] = []
    notice = ""
    config = runtime.runner.claude
    try:
        asked = questions.ask(config, forms.planner_prompt(values)) if config else []
    except GenerationError as e:  # the lesson can still be made: say so, and offer it
        notice = f"Claude could not ask its questions ({e}); you can make the lesson anyway."
    idem = form.get("idem")
    context = {
        "user": user,
        "values": values,
        "questions": asked,
        "notice": notice,
        "idem": idem if isinstance(idem, str) else secrets.token_urlsafe(16),
    }
    return page(request, "questions.html", context)


@router.post("/lessons/code")
async def create_from_code(
    request: Request, user: UserDep, form: FormDep, runtime: RuntimeDep
) -> Response:
    check_csrf(user, form)
    checked = await forms.code_lesson(form)
    slots = forms.code_slots(checked.values["codes"], checked.errors)
    state = {"values": checked.values, "errors": checked.errors, "slots": slots}
    context = {"code": state, "active_form": "code"}
    return await run_in_threadpool(_create, request, user, runtime, form, checked.body, context)


def _create(
    request: Request,
    user: User,
    runtime: Runtime,
    form: FormData,
    body: LessonCreate | None,
    context: dict[str, Any],
) -> Response:
    idem = form.get("idem")
    context = {**context, "idem": idem if isinstance(idem, str) else secrets.token_urlsafe(16)}
    if body is None:
        return _new(request, user, runtime, context, status=422)
    try:
        job = jobs.create(runtime, user.key, body, context["idem"])
    except Exception as exc:  # quota, generation unavailable, ...: said above the form
        problem = to_problem(exc)
        if problem.status >= 500 and problem.status != 503:
            raise
        which = context.get("active_form", "prompt")
        state = context.get(which, {"values": {}, "errors": {}})
        state["errors"] = {forms.FORM_ERROR: problem.detail}
        return _new(request, user, runtime, context | {which: state}, status=problem.status)
    return _see_other(f"/studio/lessons/{job.lesson_id}")
