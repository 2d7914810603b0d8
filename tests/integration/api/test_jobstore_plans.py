"""A plan kept for review, in the job store (a real embedded redis-server): approving is one
step that needs the lesson still planned, no job running and a free slot; cancelling a
waiting lesson is a compare-and-set on its status; racing approvals, exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.jobs.redis_server import ensure_local_redis, stop_local_redis
from cluster.jobs.store import (
    Busy,
    JobOp,
    JobState,
    JobStore,
    LessonJob,
    LessonOptions,
    NotWaiting,
    QuotaExceeded,
    QuotaLimits,
    open_jobstore,
)
from scenes import Lesson, LessonStatus

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path: Path) -> Iterator[JobStore]:
    url, _ = ensure_local_redis(tmp_path)
    store = open_jobstore(url, 2.0, QuotaLimits(concurrent_renders=1))
    yield store
    store.close()
    stop_local_redis(tmp_path)


def _planned(store: JobStore, lesson_id: str) -> Lesson:
    """A lesson whose planning job ended: planned, its slot given back."""
    lesson = Lesson(id=lesson_id, prompt="p", status=LessonStatus.PLANNED)
    store.lessons.create("alice", lesson, LessonOptions(review_plan=True))
    plan_job = LessonJob(lesson_id=lesson_id, number=1, op=JobOp.PLAN)
    store.lessons.begin("alice", plan_job, 1)
    store.lessons.finish("alice", plan_job.model_copy(update={"state": JobState.DONE}))
    return lesson


def _approved(lesson: Lesson) -> tuple[Lesson, LessonJob]:
    job = LessonJob(lesson_id=lesson.id, number=2, op=JobOp.WRITE_PLAN)
    return lesson.model_copy(update={"status": LessonStatus.QUEUED}), job


def test_approval_takes_the_slot_once(store: JobStore) -> None:
    lesson = _planned(store, "lesson-aaaaaaaaaaaa")
    other = _planned(store, "lesson-bbbbbbbbbbbb")  # two wait: neither holds the one slot
    approved, job = _approved(lesson)
    store.lessons.approve("alice", approved, job, 1)
    entry = store.lessons.get(lesson.id)
    assert entry is not None and entry.job == job and entry.lesson.status is LessonStatus.QUEUED
    assert store.lessons.is_active(lesson.id)
    with pytest.raises(NotWaiting):  # approved already: its status moved on
        store.lessons.approve("alice", approved, job, 1)
    with pytest.raises(QuotaExceeded):  # the slot is the first one's now
        store.lessons.approve("alice", *_approved(other), 1)
    assert store.lessons.load(other.id).status is LessonStatus.PLANNED  # nothing changed


def test_a_planning_job_still_ending_is_busy(store: JobStore) -> None:
    lesson = Lesson(id="lesson-cccccccccccc", prompt="p", status=LessonStatus.PLANNED)
    store.lessons.create("alice", lesson, LessonOptions(review_plan=True))
    store.lessons.begin("alice", LessonJob(lesson_id=lesson.id, number=1, op=JobOp.PLAN), 1)
    with pytest.raises(Busy, match="still ending"):
        store.lessons.approve("alice", *_approved(lesson), 5)


def test_cancel_and_approval_race_and_one_wins(store: JobStore) -> None:
    lesson = _planned(store, "lesson-dddddddddddd")
    cancelled = lesson.model_copy(update={"status": LessonStatus.CANCELLED})
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def approve() -> None:
        start.wait()
        try:
            store.lessons.approve("alice", *_approved(lesson), 5)
            outcomes.append("approved")
        except NotWaiting:
            outcomes.append("refused")

    def cancel() -> None:
        start.wait()
        try:
            store.lessons.replace_if(cancelled, LessonStatus.PLANNED)
            outcomes.append("cancelled")
        except NotWaiting:
            outcomes.append("refused")

    threads = [threading.Thread(target=approve), threading.Thread(target=cancel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) in (["approved", "refused"], ["cancelled", "refused"])
    status = store.lessons.load(lesson.id).status
    assert status is (LessonStatus.QUEUED if "approved" in outcomes else LessonStatus.CANCELLED)
    with pytest.raises(NotWaiting):
        store.lessons.replace_if(cancelled, LessonStatus.PLANNED)
