"""What the studio's pages show, from records and events: pure functions, no servers."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.datastructures import FormData

from api.studio import forms, views
from cluster.jobs.store import JobOp, LessonEntry, LessonJob, LessonOptions, Progress, StoredEvent
from scenes import Lesson, LessonVersion, SceneRecord, SceneStatus, questions
from scenes.models import AttemptKind, SceneVersion

CODE = "from manim import *\n\n\nclass {name}(Scene):\n    def construct(self):\n        pass\n"


def _event(n: int, kind: str, scene: str = "", detail: str = "", **data: Any) -> StoredEvent:
    return StoredEvent(
        id=f"{n}-0", kind=kind, lesson="lesson-0", scene=scene, detail=detail, data=data, at=n
    )


def _scene(index: int, name: str, *instructions: str) -> SceneRecord:
    versions = [SceneVersion(number=1, code="", class_name=name, origin=AttemptKind.WRITE)]
    for n, text in enumerate(instructions, start=2):
        versions.append(
            SceneVersion(
                number=n, code="", class_name=name, origin=AttemptKind.EDIT, instruction=text
            )
        )
    return SceneRecord(index=index, status=SceneStatus.READY, versions=versions)


def test_events_fold_into_each_scenes_stage_and_the_render_seconds() -> None:
    events = [
        _event(1, "job_started"),
        _event(2, "chunk_done", "Old", render_s=9.0),
        _event(3, "job_started"),  # a new job: stages start over, render seconds add up
        _event(4, "scene_attempt_failed", "A", "probe: NameError: x"),
        _event(5, "scene_planned", "B", chunks=3, cached=0),
        _event(6, "chunk_done", "B", render_s=0.5, cached=False),
        _event(7, "chunk_done", "B", render_s=0.0, cached=True),
        _event(8, "chunks_planned", total=3),
    ]
    live = views.fold(events)
    assert (live.scenes["A"].stage, live.scenes["A"].detail) == ("fixing", "probe: NameError: x")
    assert (live.scenes["B"].chunks_done, live.scenes["B"].chunks_total) == (2, 3)
    assert "Old" not in live.scenes and live.render_s == 9.5
    assert (live.chunks_done, live.chunks_total, live.last_event_id) == (2, 3, "8-0")
    assert live.job_started_at == 3


def test_a_running_scene_shows_its_chunks_and_the_others_their_record() -> None:
    lesson = Lesson(id="lesson-0", prompt="", scenes=[_scene(1, "A"), _scene(2, "B")])
    job = LessonJob(lesson_id="lesson-0", number=2, op=JobOp.EDIT, index=2)
    entry = LessonEntry(lesson=lesson, owner="o", options=LessonOptions(), job=job)
    live = views.fold([_event(1, "job_started"), _event(2, "scene_planned", "B", chunks=4)])
    rows = views.scene_rows(entry, live)
    assert [(r.status, r.running) for r in rows] == [("ready", False), ("rendering", True)]
    assert rows[1].detail == "0 of 4 chunks"


def test_time_left_follows_the_rate_chunks_finish_at() -> None:
    lesson = Lesson(id="lesson-0", prompt="")
    job = LessonJob(lesson_id="lesson-0", number=1, op=JobOp.CREATE)
    progress = Progress(chunks_total=10, chunks_done=4)
    entry = LessonEntry(
        lesson=lesson, owner="o", options=LessonOptions(), job=job, progress=progress
    )
    live = views.fold([_event(100, "job_started")])
    shown = views.progress(entry, live, now=108.0)
    assert (shown.fraction, shown.eta_s) == (0.4, 12.0)  # 2 s a chunk, 6 to go


def test_chapters_follow_the_reports_scene_durations() -> None:
    lesson = Lesson(id="lesson-0", prompt="", scenes=[_scene(1, "Intro"), _scene(2, "Proof")])
    report = {
        "scenes": [
            {"name": "Intro", "duration_s": 2.5},
            {"name": "Broken", "duration_s": 0, "error": "boom"},
            {"name": "Proof", "duration_s": 61.25},
        ]
    }
    chapters = views.chapters(lesson, report)
    vtt = views.chapters_vtt(chapters, {2: "Why a² + b² = c²\n--> really"})
    assert vtt.splitlines() == [
        "WEBVTT",
        "",
        "scene-1",
        "00:00:00.000 --> 00:00:02.500",
        "1. Intro",
        "",
        "scene-2",
        "00:00:02.500 --> 00:01:03.750",
        "2. Why a² + b² = c² -> really",
    ]
    assert views.duration_s(report) == 63.75


def test_versions_say_which_scene_changed_and_how() -> None:
    scenes = [_scene(1, "A"), _scene(2, "B", "make it red")]
    versions = [
        LessonVersion(number=1, scene_versions={1: 1, 2: 1}),
        LessonVersion(number=2, scene_versions={1: 1, 2: 2}),
    ]
    rows = views.version_rows(Lesson(id="lesson-0", prompt="", scenes=scenes, versions=versions))
    assert [r.number for r in rows] == [2, 1]
    (change,) = rows[0].changes
    assert (change.index, change.how, change.instruction) == (
        2,
        "edited by instruction",
        "make it red",
    )
    assert [c.how for c in rows[1].changes] == ["first version", "first version"]


def test_form_errors_land_on_the_field_they_concern() -> None:
    form = FormData([("code", CODE.format(name="Same")), ("code", CODE.format(name="Same"))])
    checked = forms.prompt_lesson(FormData([("prompt", "x"), ("max_scenes", "99")]))
    assert checked.body is None and set(checked.errors) == {"max_scenes"}
    assert forms.prompt_lesson(FormData([("prompt", "  ")])).errors == {
        "prompt": "say what the lesson should teach"
    }
    edit = forms.scene_edit(FormData([("instruction", "")]))
    assert edit.body is None and "instruction" in edit.errors
    replace = forms.scene_replace(FormData([("code", "import os")]))
    assert replace.body is None and "Scene subclass" in replace.errors["code"]
    assert forms.code_slots(["a"], {"code-3": "bad"}) == ["a", "", ""]
    repeated = asyncio.run(forms.code_lesson(form))
    assert repeated.body is None and "distinct classes" in repeated.errors[forms.FORM_ERROR]
    empty = asyncio.run(forms.code_lesson(FormData([("code", " ")])))
    assert empty.errors == {"code-1": "paste at least one scene file"}


def test_only_answered_questions_reach_the_planner() -> None:
    pairs = [("Who is it for?", " kids "), ("How long?", "")]
    assert questions.answered("Teach circles", pairs) == (
        "Teach circles\n\nThe educator's answers to clarifying questions:\n- Who is it for? kids"
    )
    assert questions.answered("Teach circles", [("How long?", " ")]) == "Teach circles"
    form = FormData([("q-1", "Who?"), ("a-1", "kids"), ("q-2", "Long?"), ("prompt", "p")])
    assert forms.answer_pairs(form) == [("Who?", "kids"), ("Long?", "")]
