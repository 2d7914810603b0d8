"""Every kind of progress event a lesson emits, in one enum: the coordinator, the lesson
service and the job runner emit them; SSE, webhooks and the CLI's progress display read them
(a `str` enum, so stored and streamed events carry its plain value)."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    # the lesson
    LESSON_STARTED = "lesson_started"  # a render began: detail says how many scenes
    LESSON_PLANNED = "lesson_planned"  # Claude's plan is in: title and scenes
    PLAN_READY = "plan_ready"  # the plan waits for review: approve it to have it written
    LESSON_STATUS = "lesson_status"  # the lesson's status changed: detail is the new one
    LESSON_READY = "lesson_ready"  # the lesson video is written: detail is where
    LESSON_CANCELLED = "lesson_cancelled"  # the render stopped on a cancel
    # a scene while Claude writes it
    SCENE_ATTEMPT_FAILED = "scene_attempt_failed"  # an attempt failed: stage and error
    SCENE_WRITTEN = "scene_written"  # its code passed the checks and its probe
    # a scene while the farm renders it
    SCENE_PROBED = "scene_probed"  # animations counted (or the probe came from the cache)
    SCENE_PLANNED = "scene_planned"  # its chunks are planned: data has chunks and cached
    SCENE_FAILED = "scene_failed"  # it failed for good: detail is the error
    SCENE_READY = "scene_ready"  # its video is stitched
    CHUNKS_PLANNED = "chunks_planned"  # every scene is planned: data has total and cached
    CHUNK_DONE = "chunk_done"  # a chunk is in: data has cached, render_s, frames
    SANDBOX_VIOLATION = "sandbox_violation"  # scene code hit a sandbox limit
    # the job that runs a lesson (API)
    JOB_STARTED = "job_started"
    JOB_DONE = "job_done"
    JOB_FAILED = "job_failed"
    JOB_CANCELLED = "job_cancelled"

    @classmethod
    def of_job(cls, state: str) -> EventKind:
        """The event that ends a job in `state` (done, failed or cancelled)."""
        return cls(f"job_{state}")
