"""A plan kept for review, approved as the client edited it: the scenes in the client's order,
reworded, deleted or added. Pure: the stored plan and the request in, the plan to write out,
or every field at fault (a 422 naming `body.scenes[i].<field>`)."""

from __future__ import annotations

from pydantic import ValidationError

from api.errors import InvalidRequest
from api.schemas import PlanApproval, PlannedScene
from scenes import LessonPlan, ScenePlan

FieldErrors = list[dict[str, str]]


def approved_plan(planned: LessonPlan, body: PlanApproval) -> LessonPlan:
    """The plan to write: the client's scenes (names made for those without one), the
    planned audience and goals, the client's title or the planned one. InvalidRequest names
    each scene field at fault."""
    names = _class_names(body.scenes)
    errors = _repeated(body.scenes)
    scenes: list[ScenePlan] = []
    for i, (scene, name) in enumerate(zip(body.scenes, names, strict=True)):
        try:
            scenes.append(_scene_plan(scene, name))
        except ValidationError as e:
            errors += _scene_errors(i, e)
    if errors:
        raise InvalidRequest(errors)
    update = {"scenes": scenes, "title": body.title or planned.title}
    return LessonPlan.model_validate(planned.model_copy(update=update).model_dump())


def _scene_plan(scene: PlannedScene, name: str) -> ScenePlan:
    return ScenePlan(
        class_name=name,
        goal=scene.goal,
        narration=scene.narration,
        visual=scene.visual or scene.goal,
        duration_s=scene.duration_s,
        engine=scene.engine,
    )


def _class_names(scenes: list[PlannedScene]) -> list[str]:
    """Each scene's class name: the client's, or `Scene<position>` (made unique)."""
    taken = {s.class_name for s in scenes if s.class_name}
    names = []
    for position, scene in enumerate(scenes, start=1):
        name = scene.class_name
        if name is None:
            name, n = f"Scene{position}", 1
            while name in taken:
                n += 1
                name = f"Scene{position}v{n}"
            taken.add(name)
        names.append(name)
    return names


def _repeated(scenes: list[PlannedScene]) -> FieldErrors:
    seen: dict[str, int] = {}
    errors: FieldErrors = []
    for i, scene in enumerate(scenes):
        name = scene.class_name
        if name is None:
            continue
        if name in seen:
            message = f"repeats scene {seen[name] + 1}'s class name {name}; each needs its own"
            errors.append({"field": f"body.scenes[{i}].class_name", "message": message})
        else:
            seen[name] = i
    return errors


def _scene_errors(index: int, error: ValidationError) -> FieldErrors:
    found = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "class_name"
        message = str(item["msg"]).removeprefix("Value error, ")
        found.append({"field": f"body.scenes[{index}].{where}", "message": message})
    return found
