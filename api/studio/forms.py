"""The studio's forms, validated by the API's own wire schemas; errors keyed by form field.

A form is turned into the body the API takes (`LessonCreate`, `SceneEdit`, `SceneReplace`) and
validated by that model, so the studio accepts exactly what the API accepts. Each pydantic error
is mapped back to the form field it concerns (`scenes[1].code` -> `code-2`), for showing it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from api.schemas import MAX_CODE_BYTES, LessonCreate, SceneEdit, SceneReplace
from scenes.questions import MAX_QUESTIONS

M = TypeVar("M", bound=BaseModel)
FORM_ERROR = "_form"  # an error about the whole form, shown above it
QUALITIES = {"l": "480p, fastest", "m": "720p", "h": "1080p", "k": "2160p, slowest"}
ENGINES = {
    "auto": "Claude's choice per scene",
    "manim": "Manim (mathematics)",
    "web": "Web (diagrams, text, charts)",
}
MAX_SCENES_DEFAULT = 4


@dataclass
class Checked(Generic[M]):
    """A validated body, or the errors by field; `values` refill the form either way."""

    body: M | None
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _errors(error: ValidationError, names: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if p not in ("function-after", "model")]
        message = str(item["msg"]).removeprefix("Value error, ")
        path = ".".join(loc)
        name = names.get(path, FORM_ERROR)
        if loc[:1] == ["scenes"] and len(loc) >= 2:
            name = f"code-{int(loc[1]) + 1}"
        found.setdefault(name, message)
    return found


def planner_prompt(values: dict[str, Any]) -> str:
    """What Claude is asked about: the prompt and the audience, as the planner will read them."""
    prompt = str(values.get("prompt", ""))
    audience = values.get("audience")
    return f"{prompt}\n\nAudience: {audience}" if audience else prompt


def _validate(
    model: type[M], body: dict[str, Any], names: dict[str, str]
) -> tuple[M | None, dict[str, str]]:
    try:
        return model.model_validate(body), {}
    except ValidationError as e:
        return None, _errors(e, names)


def answer_pairs(form: FormData) -> list[tuple[str, str]]:
    """The clarifying questions (hidden fields) and the educator's answers, in order."""
    pairs = ((_text(form, f"q-{n}"), _text(form, f"a-{n}")) for n in range(1, MAX_QUESTIONS + 1))
    return [(q, a) for q, a in pairs if q]


def prompt_lesson(form: FormData, answers: Sequence[tuple[str, str]] = ()) -> Checked[LessonCreate]:
    """Prompt, audience, number of scenes, quality (and any answers) -> a prompt lesson."""
    values = {
        "prompt": _text(form, "prompt"),
        "audience": _text(form, "audience"),
        "max_scenes": _text(form, "max_scenes") or str(MAX_SCENES_DEFAULT),
        "quality": _text(form, "quality") or "l",
        "engine": _text(form, "engine") or "auto",
        "review_plan": "on" if _text(form, "review_plan") else "",
    }
    if not values["prompt"]:
        return Checked(None, values, {"prompt": "say what the lesson should teach"})
    given = [{"question": q, "answer": a} for q, a in answers if q.strip() and a.strip()]
    body = {
        "prompt": planner_prompt(values),  # the API has no audience field: it goes in the prompt
        "quality": values["quality"],
        "max_scenes": values["max_scenes"],
        "engine": values["engine"],
        "review_plan": bool(values["review_plan"]),
        **({"answers": given} if given else {}),
    }
    names = {
        "prompt": "prompt",
        "quality": "quality",
        "max_scenes": "max_scenes",
        "engine": "engine",
        "review_plan": "review_plan",
    }
    model, errors = _validate(LessonCreate, body, names)
    return Checked(model, values, errors)


async def code_lesson(form: FormData) -> Checked[LessonCreate]:
    """Pasted scene files (and uploaded .py files) -> a lesson from code."""
    codes = [c for c in (v for v in form.getlist("code") if isinstance(v, str)) if c.strip()]
    for upload in form.getlist("files"):
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read(MAX_CODE_BYTES + 1)
            codes.append(raw.decode("utf-8", errors="replace"))
    values: dict[str, Any] = {"codes": codes, "quality": _text(form, "quality") or "l"}
    if not codes:
        return Checked(None, values, {"code-1": "paste at least one scene file"})
    body = {"scenes": [{"code": c} for c in codes], "quality": values["quality"]}
    model, errors = _validate(LessonCreate, body, {"quality": "quality"})
    return Checked(model, values, errors)


def scene_edit(form: FormData) -> Checked[SceneEdit]:
    values = {"instruction": _text(form, "instruction")}
    model, errors = _validate(SceneEdit, values, {"instruction": "instruction"})
    return Checked(model, values, errors)


def scene_replace(form: FormData) -> Checked[SceneReplace]:
    raw = form.get("code")
    values = {"code": raw if isinstance(raw, str) else ""}
    model, errors = _validate(SceneReplace, values, {"code": "code"})
    return Checked(model, values, errors)


def code_slots(codes: Sequence[str], errors: dict[str, str], minimum: int = 2) -> list[str]:
    """The code boxes to show: what was sent (and any box an error names), at least `minimum`."""
    named = [int(k.split("-")[1]) for k in errors if k.startswith("code-")]
    count = max(minimum, len(codes), *named) if named else max(minimum, len(codes))
    return [*codes, *[""] * (count - len(codes))]
