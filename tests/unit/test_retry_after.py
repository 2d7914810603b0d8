"""Retry-After for the concurrency quota follows the running jobs' progress."""

from __future__ import annotations

from cluster.jobs.store import JobOp, LessonJob
from cluster.jobs.store.models import Progress
from cluster.jobs.store.retry_after import (
    DEFAULT_JOB_S,
    MAX_S,
    job_left_s,
    retry_after_s,
    typical_job_s,
)

T0 = 1_800_000_000.0


def _job(started_at: float = T0, runner_started_at: float | None = None) -> LessonJob:
    return LessonJob(
        lesson_id="lesson-aaaaaaaaaaaa",
        number=1,
        op=JobOp.CREATE_FROM_CODE,
        started_at=started_at,
        runner_started_at=runner_started_at,
    )


def test_a_job_with_chunk_progress_takes_as_long_again_per_chunk_left() -> None:
    progress = Progress(chunks_total=8, chunks_done=3, chunks_cached=1)
    assert job_left_s(_job(), progress, typical_s=99.0, now=T0 + 6.0) == 6.0  # 4 of 8 in 6 s
    # counted from when its runner started, not from when it was queued
    assert job_left_s(_job(runner_started_at=T0 + 2.0), progress, 99.0, T0 + 6.0) == 4.0


def test_a_job_without_progress_is_expected_to_take_what_recent_jobs_took() -> None:
    assert typical_job_s([4.0, 9.0, 5.0]) == 5.0
    assert typical_job_s([]) == DEFAULT_JOB_S
    assert job_left_s(_job(), Progress(), typical_s=5.0, now=T0 + 2.0) == 3.0
    assert job_left_s(_job(), Progress(chunks_total=6), 5.0, T0 + 2.0) == 3.0  # none done yet


def test_the_answer_is_the_first_job_to_end_bounded() -> None:
    assert retry_after_s([12.2, 3.1, 40.0]) == 4
    assert retry_after_s([-5.0]) == 1  # overdue: try again at once
    assert retry_after_s([10_000.0]) == MAX_S
    assert retry_after_s([]) == 1
