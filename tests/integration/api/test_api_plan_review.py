"""Reviewing a plan before anything is written, and clarifying questions, through the HTTP API:
a real `scenefarm serve` allowing one render at a time, real Redis, the local Ray cluster;
Claude is the scripted Messages-API server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.anthropic_server import MessagesServer, mentions, tool_use
from support.lessons import CIRCLE, DOT, SQUARE, STAR, code_scene, plan_input
from support.webhook_receiver import WebhookReceiver

from .conftest import ApiServer, Key

pytestmark = pytest.mark.integration


def _plan_call(prompt: str, also: str = "") -> Any:
    def predicate(ex: Any) -> bool:
        text = ex.last_user_text()
        return bool(ex.forced_tool == "plan_lesson" and prompt in text and also in text)

    predicate.__name__ = f"plan({prompt!r}, {also!r})"
    return predicate


@pytest.fixture(scope="module")
def one_at_a_time(
    data_dir: Path, claude: MessagesServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """A server where an owner may render one lesson at a time: a lesson waiting for its
    plan's approval must not hold that one slot."""
    settings = {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": claude.base_url,
        "SCENEFARM_MAX_FIXES": "1",
        "SCENEFARM_QUOTA_CONCURRENT_RENDERS": "1",
    }
    server = ApiServer(data_dir, tmp_path_factory.mktemp("review-logs"), settings).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def dana(one_at_a_time: ApiServer) -> Key:
    return one_at_a_time.key("dana")


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def _planned_lesson(
    server: ApiServer, key: Key, claude: MessagesServer, names: list[str], **extra: Any
) -> tuple[str, str]:
    """A lesson made with review_plan, once its planning job has ended: (id, prompt)."""
    prompt = f"Teach shapes, reviewed {uuid.uuid4().hex[:8]}"
    answer = extra.pop("answer", "")
    claude.route(_plan_call(prompt, answer), tool_use("plan_lesson", plan_input(names, "Shapes")))
    body: dict[str, Any] = {"prompt": prompt, "review_plan": True, **extra}
    if answer:
        body["answers"] = [{"question": "Who is it for?", "answer": answer}]
    lesson_id = server.create(key, body)
    server.wait_job(key, lesson_id, 1)
    return lesson_id, prompt


@pytest.fixture(scope="module")
def reviewed(
    one_at_a_time: ApiServer, dana: Key, claude: MessagesServer, receiver: WebhookReceiver
) -> dict[str, Any]:
    """A lesson planned for review, with answers to the clarifying questions."""
    names = ["RevAlpha", "RevBeta", "RevGamma", "RevDelta"]
    answer = f"ten-year-olds {uuid.uuid4().hex[:6]}"
    lesson_id, prompt = _planned_lesson(
        one_at_a_time, dana, claude, names, answer=answer, webhook_url=receiver.url("/review")
    )
    return {"id": lesson_id, "prompt": prompt, "answer": answer}


def test_the_lesson_waits_with_its_plan_and_nothing_written(
    one_at_a_time: ApiServer, dana: Key, claude: MessagesServer, reviewed: dict[str, Any]
) -> None:
    lesson = one_at_a_time.lesson(dana, reviewed["id"])
    assert lesson["status"] == "planned", lesson
    assert lesson["job"]["op"] == "plan" and lesson["job"]["state"] == "done"
    assert lesson["scenes"] == [] and lesson["versions"] == [] and lesson["video_url"] is None
    plan = lesson["plan"]
    assert plan["title"] == "Shapes" and lesson["title"] == "Shapes"
    assert [s["class_name"] for s in plan["scenes"]] == [
        "RevAlpha",
        "RevBeta",
        "RevGamma",
        "RevDelta",
    ]
    assert all(s["engine"] == "manim" and s["narration"] for s in plan["scenes"])
    assert lesson["prompt"] == reviewed["prompt"]  # as sent; the answers went to the planner
    assert lesson["usage"]["calls"] == 1
    written = [ex for ex in claude.requests if ex.forced_tool == "write_scene"]
    assert not any("RevAlpha" in ex.last_user_text() for ex in written)


def test_sse_and_the_webhook_say_the_plan_is_ready(
    one_at_a_time: ApiServer, dana: Key, reviewed: dict[str, Any], receiver: WebhookReceiver
) -> None:
    events = one_at_a_time.events(dana, reviewed["id"])
    kinds = [e["kind"] for e in events]
    assert "plan_ready" in kinds and kinds.index("lesson_planned") < kinds.index("plan_ready")
    statuses = [e["detail"] for e in events if e["kind"] == "lesson_status"]
    assert statuses == ["planning", "planned"]
    assert kinds[-1] == "job_done" and "scene_written" not in kinds
    ready = next(e for e in events if e["kind"] == "plan_ready")
    assert ready["detail"].startswith("Shapes: RevAlpha, RevBeta")
    (hook,) = receiver.wait_for("/review", 1)
    payload = hook.json()
    assert hook.headers["x-scenefarm-event"] == "lesson.planned"
    assert payload["type"] == "lesson.planned" and payload["status"] == "planned"
    assert payload["lesson_id"] == reviewed["id"] and payload["version"] is None
    assert [s["class_name"] for s in payload["plan"]["scenes"]][:2] == ["RevAlpha", "RevBeta"]


def test_a_waiting_lesson_holds_no_slot(
    one_at_a_time: ApiServer, dana: Key, claude: MessagesServer, reviewed: dict[str, Any]
) -> None:
    """One render at a time, and a lesson waits planned: another lesson still starts."""
    assert one_at_a_time.lesson(dana, reviewed["id"])["status"] == "planned"
    other = one_at_a_time.create(dana, {"scenes": [code_scene("SlotFree", DOT)]})
    assert one_at_a_time.wait_job(dana, other, 1)["status"] == "ready"


@pytest.mark.parametrize(
    ("scenes", "field"),
    [
        ([{"goal": "g", "narration": "n"}] * 2, "body.scenes"),
        (
            [{"class_name": "Same", "goal": "g", "narration": "n"}] * 3,
            "body.scenes[1].class_name",
        ),
        ([{"goal": "g", "narration": ""}] * 3, "body.scenes[0].narration"),
        ([{"goal": "g", "narration": "n", "engine": "flash"}] * 3, "body.scenes[0].engine"),
    ],
)
def test_a_bad_plan_is_a_422_at_its_field(
    one_at_a_time: ApiServer,
    dana: Key,
    reviewed: dict[str, Any],
    scenes: list[dict[str, Any]],
    field: str,
) -> None:
    path = f"/v1/lessons/{reviewed['id']}/plan"
    response = one_at_a_time.call("POST", path, dana, json={"scenes": scenes})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
    assert one_at_a_time.lesson(dana, reviewed["id"])["status"] == "planned"  # still waiting


def test_the_edited_plan_is_written_exactly_and_once(
    one_at_a_time: ApiServer,
    dana: Key,
    bob_here: Key,
    claude: MessagesServer,
    reviewed: dict[str, Any],
    receiver: WebhookReceiver,
) -> None:
    lesson_id = reviewed["id"]
    reworded = f"Now the square turns into a star {lesson_id}"
    for name, body in (("RevGamma", STAR), ("RevNew", SQUARE), ("RevAlpha", CIRCLE)):
        claude.route(mentions(name), tool_use("write_scene", code_scene(name, body, lesson_id)))
    edited = {
        "title": "Shapes, reviewed",
        "scenes": [  # Gamma first and reworded, a new scene, Alpha last; Beta and Delta deleted
            {"class_name": "RevGamma", "goal": "see a star", "narration": reworded},
            {
                "class_name": "RevNew",
                "goal": "see a square",
                "narration": "A square.",
                "duration_s": 3,
            },
            {"class_name": "RevAlpha", "goal": "see a circle", "narration": "A circle."},
        ],
    }
    path = f"/v1/lessons/{lesson_id}/plan"
    assert one_at_a_time.call("POST", path, bob_here, json=edited).status_code == 404
    response = one_at_a_time.call("POST", path, dana, json=edited)
    assert response.status_code == 202 and response.json()["job"] == 2, response.text
    assert response.headers["location"] == f"/v1/lessons/{lesson_id}"
    again = one_at_a_time.call("POST", path, dana, json=edited)
    assert again.status_code == 409, again.text
    lesson = one_at_a_time.wait_job(dana, lesson_id, 2)
    assert lesson["status"] == "ready" and lesson["job"]["op"] == "write_plan", lesson
    assert [s["class_name"] for s in lesson["scenes"]] == ["RevGamma", "RevNew", "RevAlpha"]
    assert lesson["title"] == "Shapes, reviewed" and lesson["plan"]["scenes"][0]["narration"] == (
        reworded
    )
    assert lesson["usage"]["calls"] == 4  # one plan, three scenes: no planning again
    plans = [ex for ex in claude.requests if _plan_call(reviewed["prompt"])(ex)]
    assert len(plans) == 1 and reviewed["answer"] in plans[0].last_user_text()
    writes = [ex.last_user_text() for ex in claude.requests if ex.forced_tool == "write_scene"]
    assert any(reworded in text for text in writes)
    assert not any("RevBeta" in text or "RevDelta" in text for text in writes)
    types = [h.json()["type"] for h in receiver.wait_for("/review", 2)]
    assert types == ["lesson.planned", "lesson.ready"]
    after = one_at_a_time.call("POST", path, dana, json=edited)
    assert after.status_code == 409 and "ready" in after.json()["detail"]


@pytest.fixture(scope="module")
def bob_here(one_at_a_time: ApiServer) -> Key:
    return one_at_a_time.key("bob-review")


def test_cancel_ends_a_waiting_lesson_which_then_cannot_be_approved(
    one_at_a_time: ApiServer, dana: Key, claude: MessagesServer
) -> None:
    lesson_id, _ = _planned_lesson(one_at_a_time, dana, claude, ["CanA", "CanB", "CanC"])
    assert one_at_a_time.lesson(dana, lesson_id)["status"] == "planned"
    cancelled = one_at_a_time.call("POST", f"/v1/lessons/{lesson_id}/cancel", dana)
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert one_at_a_time.lesson(dana, lesson_id)["status"] == "cancelled"
    plan = {"scenes": [{"goal": "g", "narration": "n"}] * 3}
    approve = one_at_a_time.call("POST", f"/v1/lessons/{lesson_id}/plan", dana, json=plan)
    assert approve.status_code == 409, approve.text
    again = one_at_a_time.call("POST", f"/v1/lessons/{lesson_id}/cancel", dana)
    assert again.status_code == 409, again.text


def test_a_lesson_not_planned_for_review_cannot_be_approved(
    one_at_a_time: ApiServer, dana: Key
) -> None:
    lesson_id = one_at_a_time.create(dana, {"scenes": [code_scene("NotReviewed", DOT)]})
    plan = {"scenes": [{"goal": "g", "narration": "n"}] * 3}
    response = one_at_a_time.call("POST", f"/v1/lessons/{lesson_id}/plan", dana, json=plan)
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "urn:scenefarm:problem:conflict"
    one_at_a_time.wait_job(dana, lesson_id, 1)


# -- clarifying questions --------------------------------------------------------------------


def test_claude_asks_two_to_four_questions(
    one_at_a_time: ApiServer, dana: Key, claude: MessagesServer
) -> None:
    prompt = f"Explain fractions {uuid.uuid4().hex[:8]}"
    asked = ["Who is the lesson for?", "How long should it be?", "What should it stress?"]

    def asking(ex: Any) -> bool:
        return bool(ex.forced_tool == "ask_clarifying_questions" and prompt in ex.last_user_text())

    claude.route(asking, tool_use("ask_clarifying_questions", {"questions": asked}))
    response = one_at_a_time.call("POST", "/v1/lessons/questions", dana, json={"prompt": prompt})
    assert response.status_code == 200, response.text
    assert response.json() == {"questions": asked, "error": None}
    unsigned = one_at_a_time.call("POST", "/v1/lessons/questions", json={"prompt": prompt})
    assert unsigned.status_code == 401
    empty = one_at_a_time.call("POST", "/v1/lessons/questions", dana, json={"prompt": ""})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "body.prompt"


def test_when_claude_cannot_ask_there_are_no_questions_and_the_reason(
    one_at_a_time: ApiServer, dana: Key, claude: MessagesServer
) -> None:
    """The step is optional: a Claude that gives no usable questions is no reason to fail."""
    prompt = f"Explain decimals {uuid.uuid4().hex[:8]}"

    def asking(ex: Any) -> bool:  # the first request, and the one telling Claude what was wrong
        return bool(ex.forced_tool == "ask_clarifying_questions" and prompt in json.dumps(ex.body))

    one = tool_use("ask_clarifying_questions", {"questions": ["Only one?"]})  # two at least
    claude.route(asking, one, one)
    response = one_at_a_time.call("POST", "/v1/lessons/questions", dana, json={"prompt": prompt})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["questions"] == [] and "could not ask" in body["error"]
    assert "invalid twice" in body["error"]
