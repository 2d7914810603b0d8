"""Reviewing a plan before anything is written: the approved plan as the client edited it, each
field at fault named; the request fields that ask for review and carry answers."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from api.errors import InvalidRequest
from api.plan_review import approved_plan
from api.schemas import LessonCreate, PlanApproval
from cluster.jobs.run_job import _webhook_event
from cluster.jobs.store import JobOp, JobState, LessonJob
from scenes import Lesson, LessonPlan, LessonStatus, questions


def _planned() -> LessonPlan:
    scene = {"goal": "g", "narration": "n", "visual": "v", "duration_s": 8.0}
    return LessonPlan(
        title="Triangles",
        audience="pupils",
        learning_goals=["see it"],
        scenes=[{"class_name": n, **scene} for n in ("Alpha", "Beta", "Gamma")],  # type: ignore[misc]
    )


def _approval(*scenes: dict[str, Any], **extra: Any) -> PlanApproval:
    return PlanApproval.model_validate({"scenes": list(scenes), **extra})


def _fields(error: InvalidRequest) -> dict[str, str]:
    return {e["field"]: e["message"] for e in error.extra["errors"]}


def test_the_approved_plan_is_exactly_the_clients() -> None:
    body = _approval(
        {"class_name": "Gamma", "goal": "reworded", "narration": "said", "engine": "web"},
        {"goal": "a new scene", "narration": "new words", "duration_s": 20},
        {"class_name": "Alpha", "goal": "first", "narration": "one", "visual": "a dot"},
        title="Triangles, edited",
    )
    plan = approved_plan(_planned(), body)
    assert [s.class_name for s in plan.scenes] == ["Gamma", "Scene2", "Alpha"]  # Beta deleted
    assert plan.title == "Triangles, edited" and plan.audience == "pupils"
    gamma, added, alpha = plan.scenes
    assert (gamma.goal, gamma.narration, gamma.engine) == ("reworded", "said", "web")
    assert (added.visual, added.duration_s, added.engine) == ("a new scene", 20, "manim")
    assert alpha.visual == "a dot"


def test_a_made_name_never_takes_a_clients_name() -> None:
    body = _approval(
        {"goal": "g", "narration": "n"},
        {"class_name": "Scene1", "goal": "g", "narration": "n"},
        {"goal": "g", "narration": "n"},
    )
    names = [s.class_name for s in approved_plan(_planned(), body).scenes]
    assert names == ["Scene1v2", "Scene1", "Scene3"]


def test_each_field_at_fault_is_named() -> None:
    body = _approval(
        {"class_name": "Alpha", "goal": "g", "narration": "n"},
        {"class_name": "None", "goal": "g", "narration": "n"},  # CamelCase, but a keyword
        {"class_name": "Alpha", "goal": "g", "narration": "n"},
    )
    with pytest.raises(InvalidRequest) as caught:
        approved_plan(_planned(), body)
    fields = _fields(caught.value)
    assert set(fields) == {"body.scenes[2].class_name", "body.scenes[1].class_name"}
    assert "repeats scene 1" in fields["body.scenes[2].class_name"]
    assert "CamelCase" in fields["body.scenes[1].class_name"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"scenes": [{"goal": "g", "narration": "n"}] * 2}, ("scenes",)),  # fewer than 3
        ({"scenes": [{"goal": "g", "narration": "n"}] * 13}, ("scenes",)),  # more than 12
        ({"scenes": [{"goal": "", "narration": "n"}] * 3}, ("scenes", 0, "goal")),
        ({"scenes": [{"goal": "g"}] * 3}, ("scenes", 0, "narration")),
        ({"scenes": [{"goal": "g", "narration": "n", "engine": "flash"}] * 3}, None),
        ({"scenes": [{"goal": "g", "narration": "n", "duration_s": 1}] * 3}, None),
        ({"scenes": [{"goal": "g", "narration": "n", "class_name": "lower"}] * 3}, None),
        ({"scenes": [{"goal": "g", "narration": "n"}] * 3, "extra": 1}, ("extra",)),
    ],
)
def test_a_malformed_approval_is_refused_by_its_schema(
    body: dict[str, Any], where: tuple[Any, ...] | None
) -> None:
    with pytest.raises(ValidationError) as caught:
        PlanApproval.model_validate(body)
    if where is not None:
        assert caught.value.errors()[0]["loc"] == where


def test_review_and_answers_are_for_prompt_lessons_only() -> None:
    code = "from manim import *\n\n\nclass A(Scene):\n    def construct(self):\n        pass\n"
    for extra in ({"review_plan": True}, {"answers": [{"question": "q?", "answer": "a"}]}):
        with pytest.raises(ValidationError, match="for a prompt"):
            LessonCreate.model_validate({"scenes": [{"code": code}], **extra})
    made = LessonCreate.model_validate(
        {"prompt": "p", "review_plan": True, "answers": [{"question": "Who?", "answer": "kids"}]}
    )
    assert made.review_plan and made.answers and made.answers[0].answer == "kids"
    with pytest.raises(ValidationError):
        LessonCreate.model_validate({"prompt": "p", "answers": [{"question": "q", "answer": ""}]})


def test_answers_go_into_the_planners_prompt() -> None:
    brief = questions.answered("Teach circles", [("Who is it for?", "kids"), ("Long?", " ")])
    assert brief.startswith("Teach circles\n\n") and "- Who is it for? kids" in brief
    assert "Long?" not in brief


def test_the_webhook_says_planned_ready_or_failed_and_nothing_for_a_cancelled_plan() -> None:
    def event(op: JobOp, state: JobState, status: LessonStatus) -> str | None:
        job = LessonJob(lesson_id="lesson-0123456789ab", number=1, op=op, state=state)
        return _webhook_event(job, Lesson(id=job.lesson_id, prompt="p", status=status))

    assert event(JobOp.PLAN, JobState.DONE, LessonStatus.PLANNED) == "lesson.planned"
    assert event(JobOp.WRITE_PLAN, JobState.DONE, LessonStatus.READY) == "lesson.ready"
    assert event(JobOp.PLAN, JobState.FAILED, LessonStatus.FAILED) == "lesson.failed"
    assert event(JobOp.PLAN, JobState.DONE, LessonStatus.CANCELLED) is None  # cancelled waiting
