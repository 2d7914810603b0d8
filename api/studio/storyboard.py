"""The storyboard of a lesson planned for review: each scene's title (class name), goal,
narration, visual, duration and engine, editable; scenes moved up or down, deleted or added;
then generation started from exactly that plan (the API's `jobs.approve`).

Plain forms, no script needed: every button posts the whole storyboard with its `action`
(`up-N`, `down-N`, `delete-N`, `add`, `start`); the server answers the edited storyboard, or on
`start` approves it (303 to the lesson) or answers it again with each error at its field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from api import jobs
from api.deps import RuntimeDep
from api.errors import InvalidRequest, to_problem
from api.runtime import Runtime
from api.schemas import PlanApproval
from api.studio.auth import User, UserDep, check_csrf
from api.studio.forms import ENGINES, FORM_ERROR
from api.studio.web import StudioRoute, page
from cluster.jobs.store import LessonEntry
from scenes import LessonStatus
from scenes.models import MAX_SCENES

router = APIRouter(
    prefix="/studio/lessons/{lesson_id}/plan", route_class=StudioRoute, include_in_schema=False
)
LessonId = Annotated[str, Path(pattern=r"^lesson-[0-9a-f]{12}$")]
FIELDS = ("class_name", "goal", "narration", "visual", "duration_s", "engine")
Scene = dict[str, str]


async def _form(request: Request) -> FormData:
    """Room for a full storyboard: six fields a scene, twelve scenes and a few more."""
    return await request.form(max_files=0, max_fields=6 * (MAX_SCENES + 1) + 8)


FormDep = Annotated[FormData, Depends(_form)]


def _planned(runtime: Runtime, user: User, lesson_id: str) -> LessonEntry | None:
    entry = runtime.store.lessons.owned(user.owner, lesson_id)  # another owner's: a 404
    ok = entry.lesson.status is LessonStatus.PLANNED and entry.lesson.plan is not None
    return entry if ok else None


def _lesson_page(lesson_id: str) -> RedirectResponse:
    return RedirectResponse(f"/studio/lessons/{lesson_id}", status_code=303)


@router.get("")
def storyboard_page(
    request: Request, lesson_id: LessonId, user: UserDep, runtime: RuntimeDep
) -> Response:
    entry = _planned(runtime, user, lesson_id)
    if entry is None or entry.lesson.plan is None:  # nothing waits for review: the lesson
        return _lesson_page(lesson_id)
    plan = entry.lesson.plan
    scenes = [{k: str(v) for k, v in s.model_dump().items() if k in FIELDS} for s in plan.scenes]
    return _render(request, user, entry, plan.title, scenes, {})


@router.post("")
def storyboard_post(
    request: Request, lesson_id: LessonId, user: UserDep, form: FormDep, runtime: RuntimeDep
) -> Response:
    check_csrf(user, form)
    entry = _planned(runtime, user, lesson_id)
    if entry is None:
        return _lesson_page(lesson_id)
    title, scenes = _text(form, "title"), scenes_of(form)
    action = _text(form, "action")
    if action != "start":
        return _render(request, user, entry, title, edited(scenes, action), {})
    errors = _start(runtime, user, lesson_id, title, scenes)
    if not errors:
        return _lesson_page(lesson_id)
    return _render(request, user, entry, title, scenes, errors, status=_status(errors))


def _status(errors: dict[str, str]) -> int:
    return 409 if set(errors) == {FORM_ERROR} else 422


def _start(
    runtime: Runtime, user: User, lesson_id: str, title: str, scenes: list[Scene]
) -> dict[str, str]:
    """Approves the storyboard; {} when generation started, else the errors by field."""
    try:
        body = approval(title, scenes)
        jobs.approve(runtime, user.key, lesson_id, body)
    except ValidationError as e:
        return errors_of([(list(i["loc"]), str(i["msg"])) for i in e.errors()])
    except InvalidRequest as e:
        found = [(_path(str(x["field"])), str(x["message"])) for x in e.extra["errors"]]
        return errors_of(found)
    except Exception as exc:  # a conflict, a quota: said above the storyboard
        problem = to_problem(exc)
        if problem.status >= 500 and problem.status != 503:
            raise
        return {FORM_ERROR: problem.detail}
    return {}


def _render(
    request: Request,
    user: User,
    entry: LessonEntry,
    title: str,
    scenes: list[Scene],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "user": user,
        "lesson": entry.lesson,
        "title": title,
        "scenes": scenes,
        "errors": errors,
        "engines": {k: v for k, v in ENGINES.items() if k != "auto"},
        "max_scenes": MAX_SCENES,
    }
    return page(request, "storyboard.html", context, status_code=status)


# -- the form, pure ---------------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def scenes_of(form: FormData) -> list[Scene]:
    """The storyboard's scenes as sent (`goal-1`, `narration-1`, ...), in order."""
    count = min(int(c) if (c := _text(form, "count")).isdigit() else 0, MAX_SCENES + 1)
    return [{f: _text(form, f"{f}-{n}") for f in FIELDS} for n in range(1, count + 1)]


def edited(scenes: list[Scene], action: str) -> list[Scene]:
    """The storyboard after one button: `up-N`, `down-N`, `delete-N` (N 1-based), `add`."""
    verb, _, number = action.partition("-")
    out = list(scenes)
    if verb == "add" and len(out) < MAX_SCENES:
        return [*out, {f: "" for f in FIELDS} | {"engine": "manim", "duration_s": "10"}]
    i = int(number) - 1 if number.isdigit() else -1
    if not 0 <= i < len(out):
        return out
    if verb == "delete":
        del out[i]
    elif verb == "up" and i > 0:
        out[i - 1], out[i] = out[i], out[i - 1]
    elif verb == "down" and i < len(out) - 1:
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def approval(title: str, scenes: list[Scene]) -> PlanApproval:
    """The API's approval body; ValidationError names each field at fault."""
    body: dict[str, Any] = {
        "title": title or None,
        "scenes": [{k: v for k, v in s.items() if v or k in ("goal", "narration")} for s in scenes],
    }
    return PlanApproval.model_validate(body)


def _path(field: str) -> list[Any]:
    """'body.scenes[2].goal' -> ['scenes', 2, 'goal']."""
    parts: list[Any] = []
    for piece in field.removeprefix("body.").split("."):
        name, _, index = piece.partition("[")
        parts += [name, int(index.rstrip("]"))] if index else [name]
    return parts


def errors_of(found: list[tuple[list[Any], str]]) -> dict[str, str]:
    """Errors keyed by storyboard field (`goal-2`, `title`), else above the storyboard."""
    errors: dict[str, str] = {}
    for loc, message in found:
        text = message.removeprefix("Value error, ")
        if len(loc) >= 3 and loc[0] == "scenes" and isinstance(loc[1], int):
            errors.setdefault(f"{loc[2]}-{loc[1] + 1}", text)
        elif loc[:1] == ["title"]:
            errors.setdefault("title", text)
        else:
            what = "the lesson needs 3 to 12 scenes" if loc == ["scenes"] else text
            errors.setdefault(FORM_ERROR, what)
    return errors
