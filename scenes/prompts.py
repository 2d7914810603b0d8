"""The user messages sent to Claude: plan a lesson, write a scene, fix it, edit it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from scenes.claude import Tool
from scenes.guide import NARRATION
from scenes.models import MAX_SCENES, MIN_SCENES, LessonPlan, ScenePlan

TRACEBACK_TAIL = 1500


class SceneCode(BaseModel):
    """The `write_scene` tool's input: one complete Python module."""

    code: str = Field(min_length=1, description="the complete Python module")
    notes: str = Field(default="", description="optional: what changed and why")


PLAN_TOOL = Tool("plan_lesson", "Plan an explainer video lesson as a list of scenes.", LessonPlan)
WRITE_TOOL = Tool("write_scene", "Return the complete Python module of one Manim scene.", SceneCode)
WRITE_WEB_TOOL = Tool(
    "write_scene", "Return the complete TSX module of one web scene (one composition).", SceneCode
)


def write_tool(engine: str) -> Tool:
    return WRITE_WEB_TOOL if engine == "web" else WRITE_TOOL


def plan_messages(prompt: str, scenes: int | None, max_scenes: int) -> list[dict[str, Any]]:
    count = (
        f"exactly {scenes} scenes"
        if scenes
        else f"between {MIN_SCENES} and {min(max_scenes, MAX_SCENES)} scenes"
    )
    text = f"Plan a lesson with {count} for this request:\n\n{prompt}"
    return [{"role": "user", "content": text}]


def plan_turn(plan: LessonPlan) -> dict[str, Any]:
    return {"role": "assistant", "content": plan.model_dump_json()}


def recount_message(planned: int, wanted: int) -> dict[str, Any]:
    text = f"That plan has {planned} scenes; exactly {wanted} were asked for. Plan again."
    return {"role": "user", "content": text}


def write_message(
    plan: LessonPlan,
    scene: ScenePlan,
    index: int,
    beats: Sequence[tuple[str, float]] = (),
    engine: str = "manim",
) -> dict[str, Any]:
    """The request for a scene's first version; with `beats` (text, seconds), the narration as
    spoken, which the scene is timed to."""
    goals = "; ".join(plan.learning_goals)
    duration = sum(d for _, d in beats) if beats else scene.duration_s
    text = (
        f'Lesson: "{plan.title}" for {plan.audience}. Learning goals: {goals}.\n\n'
        f"Write scene {index} of {len(plan.scenes)} {_as_what(engine, scene.class_name)}.\n"
        f"Goal: {scene.goal}\nNarration: {scene.narration}\nVisual: {scene.visual}\n"
        f"Target duration: {duration:g} seconds.\n"
        f"{'' if engine == 'web' else beats_text(beats)}"
        "Return the complete module through write_scene."
    )
    return {"role": "user", "content": text}


def _as_what(engine: str, name: str) -> str:
    if engine == "web":
        return (
            f'as a web scene: one <Composition id="{name}"> at fps={{30}} width={{1280}} '
            "height={720}, durationInFrames = seconds x 30"
        )
    return f"as the class {name}"


def beats_text(beats: Sequence[tuple[str, float]]) -> str:
    """The spoken beats and how to animate to them ("" for a silent scene)."""
    if not beats:
        return ""
    listed = "\n".join(f"beat {i} ({d:.2f} s): {t}" for i, (t, d) in enumerate(beats))
    return f"\nThe narration as spoken, in beats:\n{listed}\n\n{NARRATION}\n\n"


def timing_message(scene: str, fix: str) -> dict[str, Any]:
    """The probe found the animations out of step with the voice (see narration timing)."""
    text = (
        f"{scene} runs, but its timing does not follow its narration.\n{fix}\n\n"
        "Return the complete corrected module through write_scene."
    )
    return {"role": "user", "content": text}


def code_turn(code: str, engine: str = "manim") -> dict[str, Any]:
    """What Claude answered, as the assistant's turn in the conversation that follows."""
    fence = "tsx" if engine == "web" else "python"
    return {"role": "assistant", "content": f"```{fence}\n{code}\n```"}


def fix_message(
    scene: str, stage: str, error: str, line: int | None, code: str, traceback: str
) -> dict[str, Any]:
    where = ""
    if line is not None:
        lines = code.splitlines()
        if 1 <= line <= len(lines):
            where = f"\nThe failing line {line} is: {lines[line - 1].strip()}"
    tail = f"\nTraceback (last part):\n{traceback[-TRACEBACK_TAIL:]}" if traceback else ""
    text = (
        f"The code for {scene} failed the {stage} check:\n{error}{where}{tail}\n\n"
        "Fix it and return the complete corrected module through write_scene."
    )
    return {"role": "user", "content": text}


def layout_message(scene: str, issues: list[str], engine: str = "manim") -> dict[str, Any]:
    listed = "\n".join(f"- {i}" for i in issues)
    if engine == "web":
        where = "at the end of these one-second segments"
        fix = (
            "Keep every element inside the 1280x720 frame and stop text overlapping text or "
            "overflowing its box (smaller fontSize, maxWidth, flexbox layout, or hide the old "
            "text first)."
        )
    else:
        where = "at the end of these animations"
        fix = (
            "Keep every mobject inside the frame and stop text overlapping text "
            "(scale, rearrange, or fade out the old text first)."
        )
    text = (
        f"{scene} runs, but its layout has problems {where}:\n{listed}\n\n{fix} "
        "Return the complete corrected module through write_scene."
    )
    return {"role": "user", "content": text}


def edit_message(
    title: str,
    index: int,
    class_name: str,
    code: str,
    instruction: str,
    beats: Sequence[tuple[str, float]] = (),
    engine: str = "manim",
) -> dict[str, Any]:
    web = engine == "web"
    fence, keep = ("tsx", "composition id") if web else ("python", "class name")
    text = (
        f'This is scene {index} ({class_name}) of the lesson "{title}":\n\n'
        f"```{fence}\n{code}\n```\n\nChange it as follows: {instruction}\n"
        f"{'' if web else beats_text(beats)}\n"
        f"Keep the {keep} {class_name}. Return the complete module through write_scene."
    )
    return {"role": "user", "content": text}
