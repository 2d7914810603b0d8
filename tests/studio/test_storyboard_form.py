"""The storyboard form, pure: scenes read from the form, moved, deleted and added; the approval
body it makes, and each error mapped back to its field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from starlette.datastructures import FormData

from api.studio.forms import FORM_ERROR, prompt_lesson
from api.studio.storyboard import FIELDS, approval, edited, errors_of, scenes_of


def _scene(name: str) -> dict[str, str]:
    return {"class_name": name, "goal": f"see {name}", "narration": "n", "visual": "",
            "duration_s": "5", "engine": "manim"}  # fmt: skip


def test_scenes_are_read_in_order_and_capped() -> None:
    form = FormData([("count", "2"), ("goal-1", " one "), ("goal-2", "two"), ("goal-3", "x")])
    scenes = scenes_of(form)
    assert [s["goal"] for s in scenes] == ["one", "two"] and set(scenes[0]) == set(FIELDS)
    assert scenes_of(FormData([("count", "999")])) == [dict.fromkeys(FIELDS, "")] * 13
    assert scenes_of(FormData([("count", "-1")])) == []


def test_buttons_move_delete_and_add() -> None:
    a, b, c = _scene("A"), _scene("B"), _scene("C")
    assert edited([a, b, c], "up-3") == [a, c, b]
    assert edited([a, b, c], "down-1") == [b, a, c]
    assert edited([a, b, c], "up-1") == [a, b, c]  # the first cannot go up
    assert edited([a, b, c], "down-3") == [a, b, c]
    assert edited([a, b, c], "delete-2") == [a, c]
    assert edited([a, b, c], "delete-9") == [a, b, c]
    added = edited([a], "add")
    assert added[0] == a and added[1]["engine"] == "manim" and added[1]["goal"] == ""
    assert edited([a] * 12, "add") == [a] * 12  # twelve at most
    assert edited([a, b], "refresh") == [a, b]


def test_the_approval_and_its_errors_by_field() -> None:
    body = approval("", [_scene("A"), _scene("B"), {**_scene("C"), "class_name": ""}])
    assert body.title is None and body.scenes[2].class_name is None
    assert body.scenes[0].visual is None and body.scenes[0].duration_s == 5
    with pytest.raises(ValidationError) as caught:
        bad = [_scene("A"), {**_scene("B"), "goal": ""}, {**_scene("C"), "duration_s": "x"}]
        approval("T", bad)
    found = errors_of([(list(e["loc"]), e["msg"]) for e in caught.value.errors()])
    assert set(found) == {"goal-2", "duration_s-3"}
    with pytest.raises(ValidationError) as short:
        approval("T", [_scene("A")])
    assert errors_of([(list(e["loc"]), e["msg"]) for e in short.value.errors()]) == {
        FORM_ERROR: "the lesson needs 3 to 12 scenes"
    }


def test_the_new_lesson_form_carries_engine_review_and_answers() -> None:
    form = FormData([("prompt", "Teach"), ("engine", "web"), ("review_plan", "on")])
    checked = prompt_lesson(form, [("Who?", "kids"), ("Long?", "")])
    assert checked.body is not None and checked.body.engine == "web" and checked.body.review_plan
    assert checked.body.prompt == "Teach"  # the answers travel as answers, not in the prompt
    assert [(a.question, a.answer) for a in checked.body.answers or []] == [("Who?", "kids")]
    bad = prompt_lesson(FormData([("prompt", "Teach"), ("engine", "flash")]))
    assert bad.body is None and "engine" in bad.errors
    assert not prompt_lesson(FormData([("prompt", "Teach")])).values["review_plan"]
