"""Reviewing the plan in the studio, in a real browser: a prompt lesson asked to stop after
planning, its storyboard edited (reworded, reordered by keyboard, a scene deleted, one added,
an error shown at its field), then generation started from it; the lesson reaches ready."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from integration.api.conftest import Key
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from support.anthropic_server import MessagesServer, mentions, tool_use
from support.lessons import code_scene, plan_input

from .browser import Studio
from .test_studio import CIRCLE, DOT, SQUARE, _asks_about, _lesson_id, _plan_for

pytestmark = pytest.mark.integration


def _board_names(studio: Studio) -> list[str]:
    count = len(studio.all(".board-scene"))
    return [
        str(studio.find(f"#class_name-{n}").get_attribute("value")) for n in range(1, count + 1)
    ]


def _press(studio: Studio, action: str) -> None:
    """A storyboard button pressed from the keyboard; waits for the page it answers with."""
    studio.js("window.beforePress = true;")
    studio.find(f'button[value="{action}"]').send_keys(Keys.ENTER)
    studio.wait(lambda: studio.js("return window.beforePress === undefined;"), what=action)


def test_a_storyboard_edited_then_started_becomes_the_lesson(
    browser: Callable[[], Studio], alice: Key, claude: MessagesServer
) -> None:
    prompt = f"Teach shapes, storyboard first {uuid.uuid4().hex[:8]}"
    names = ["BoardAlpha", "BoardBeta", "BoardGamma"]
    asked = {"questions": ["Who is it for?", "How long should it be?"]}
    claude.route(_asks_about(prompt), tool_use("ask_clarifying_questions", asked))
    claude.route(_plan_for(prompt), tool_use("plan_lesson", plan_input(names, "Board shapes")))
    for name, body in (("BoardAlpha", CIRCLE), ("BoardGamma", DOT), ("BoardNew", SQUARE)):
        claude.route(mentions(name), tool_use("write_scene", code_scene(name, body, prompt)))

    studio = browser()
    studio.sign_in(alice.key)
    studio.open("/studio/lessons/new")
    studio.fill("#prompt", prompt)
    studio.fill("#max_scenes", "3")
    Select(studio.find("#engine")).select_by_value("manim")
    studio.find("label[for=review_plan]").click()
    assert studio.find("#review_plan").is_selected()
    studio.submit("Continue")
    studio.wait(lambda: studio.all("#a-1"), what="the clarifying questions")
    studio.submit("Skip the questions")
    studio.wait(lambda: studio.path.startswith("/studio/lessons/lesson-"), what="the lesson page")
    lesson_id = _lesson_id(studio)
    link = studio.wait(lambda: studio.all("#review-plan"), timeout_s=120, what="the plan")
    assert studio.lesson_status() == "planned"
    link[0].click()
    studio.wait(lambda: studio.path == f"/studio/lessons/{lesson_id}/plan", what="storyboard")
    assert _board_names(studio) == names
    assert "see BoardBeta" in str(studio.find("#goal-2").get_attribute("value"))
    assert studio.axe_violations() == []

    reworded = f"Here is a dot, reworded {lesson_id}"
    studio.fill("#narration-3", reworded)
    _press(studio, "up-3")  # Gamma before Beta; what was typed stays
    assert _board_names(studio) == ["BoardAlpha", "BoardGamma", "BoardBeta"]
    assert studio.find("#narration-2").get_attribute("value") == reworded
    _press(studio, "delete-3")
    _press(studio, "add")
    assert _board_names(studio) == ["BoardAlpha", "BoardGamma", ""]
    studio.fill("#class_name-3", "BoardNew")
    studio.fill("#narration-3", "And a square.")  # its goal left empty: an error at its field
    studio.submit("Start generation")
    studio.wait(lambda: studio.all("#goal-3-error"), what="the error at the goal")
    assert studio.find("#goal-3").get_attribute("aria-invalid") == "true"
    assert studio.axe_violations() == []
    studio.fill("#goal-3", "see a square")
    studio.submit("Start generation")

    studio.wait(lambda: studio.path == f"/studio/lessons/{lesson_id}", what="the lesson page")
    studio.wait(lambda: studio.lesson_status() == "ready", timeout_s=240, what="ready")
    shown = [studio.text(f"#scene-{n} h3") for n in (1, 2, 3)]
    assert shown == ["1. BoardAlpha", "2. BoardGamma", "3. BoardNew"]
    assert reworded in studio.text("#scene-2")
    plans = [ex for ex in claude.requests if _plan_for(prompt)(ex)]
    assert len(plans) == 1  # generation started from the storyboard, not a new plan
    writes: list[Any] = [ex for ex in claude.requests if ex.forced_tool == "write_scene"]
    assert any(reworded in ex.last_user_text() for ex in writes)
    assert not any("BoardBeta" in ex.last_user_text() for ex in writes)
    studio.assert_video_plays(version=1)
    studio.open(f"/studio/lessons/{lesson_id}/plan")  # nothing waits any more: the lesson
    studio.wait(lambda: studio.path == f"/studio/lessons/{lesson_id}", what="the lesson page")
    # the one kind of console error: the storyboard's own 422 (answered with its errors)
    assert [e for e in studio.errors_in_console() if "status of 422" not in e] == []
