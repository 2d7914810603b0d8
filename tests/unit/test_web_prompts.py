"""Web scenes in the lesson plan and the writer's prompts (scenes/guide.py, prompts.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from support.lessons import plan_input

from cluster.lessons.studio import _planned_engine
from scenes import prompts
from scenes.guide import GUIDE, WEB_GUIDE, planner_system, writer_system
from scenes.models import LessonPlan


def test_the_plan_names_each_scenes_engine_manim_by_default() -> None:
    raw = plan_input(["Title", "Proof", "Chart"])
    raw["scenes"][0]["engine"] = "web"
    plan = LessonPlan.model_validate(raw)
    assert [s.engine for s in plan.scenes] == ["web", "manim", "manim"]
    raw["scenes"][1]["engine"] = "opengl"
    with pytest.raises(ValidationError):
        LessonPlan.model_validate(raw)


def test_a_forced_engine_overrides_the_plan() -> None:
    raw = plan_input(["Title", "Proof", "Chart"])
    raw["scenes"][0]["engine"] = "web"
    scenes = LessonPlan.model_validate(raw).scenes
    assert [_planned_engine("auto", s) for s in scenes] == ["web", "manim", "manim"]
    assert [_planned_engine("web", s) for s in scenes] == ["web"] * 3
    assert [_planned_engine("manim", s) for s in scenes] == ["manim"] * 3
    with pytest.raises(ValueError, match="unknown engine"):
        _planned_engine("opengl", scenes[0])


def test_the_planner_is_told_how_to_choose_or_what_is_forced() -> None:
    assert "typography" in " ".join(planner_system())
    assert 'engine "web"' in planner_system("web")[-1]


def test_the_web_writer_gets_the_web_guide_last_where_it_is_cached() -> None:
    assert writer_system("web")[-1] == WEB_GUIDE
    assert writer_system()[-1] == GUIDE
    assert "TSX" in prompts.write_tool("web").description
    assert prompts.write_tool("web").name == prompts.WRITE_TOOL.name == "write_scene"


def test_the_write_request_asks_for_the_composition() -> None:
    raw = plan_input(["Title", "Proof", "Chart"])
    plan = LessonPlan.model_validate(raw)
    web = prompts.write_message(plan, plan.scenes[0], 1, (), "web")["content"]
    assert '<Composition id="Title">' in web
    assert "as the class Title" in prompts.write_message(plan, plan.scenes[0], 1)["content"]
    assert prompts.code_turn("x", "web")["content"].startswith("```tsx")
