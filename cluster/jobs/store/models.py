"""What the job store holds besides the Lesson record itself: options, jobs, keys, events."""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from scenes import Lesson


class JobOp(StrEnum):
    CREATE = "create"  # from a prompt: Claude plans and writes every scene
    CREATE_FROM_CODE = "create_from_code"  # the client's code, one Scene per entry
    PLAN = "plan"  # from a prompt, planned only: the lesson waits `planned` for approval
    WRITE_PLAN = "write_plan"  # the approved plan written and rendered (no planning again)
    EDIT = "edit"  # one scene changed by instruction (Claude)
    REPLACE = "replace"  # one scene replaced by the client's code


class JobState(StrEnum):
    QUEUED = "queued"  # recorded with its lesson; its runner has not said it started
    RUNNING = "running"  # its runner started it
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


JOB_FINAL = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})
_JOB_MOVES = {
    JobState.QUEUED: {JobState.RUNNING, *JOB_FINAL},
    # back to queued: its runner was lost and is to be launched again
    JobState.RUNNING: {JobState.RUNNING, JobState.QUEUED, *JOB_FINAL},
}


class BadJobTransition(ValueError):
    """A job asked to move from a state it cannot leave that way."""


def job_transition(state: JobState, to: JobState) -> JobState:
    """The job's next state; BadJobTransition for a move its machine does not have."""
    if to not in _JOB_MOVES.get(state, ()):
        raise BadJobTransition(f"a {state.value} job cannot become {to.value}")
    return to


class LessonJob(BaseModel):
    """One run of a lesson runner: what to do, and how it ended. Numbered per lesson; the
    number names the runner's actor, so a later job never collides with an ending one."""

    lesson_id: str
    number: int
    op: JobOp
    prompt: str = ""  # what the planner reads: the prompt, and any answers to questions
    codes: list[str] = Field(default_factory=list)
    engines: list[str | None] = Field(default_factory=list)  # per code, None: from the code
    narrations: list[str | None] = Field(default_factory=list)  # per code, None: silent
    index: int = 0  # the scene an edit or replacement is for (1-based)
    instruction: str = ""
    code: str = ""
    state: JobState = JobState.QUEUED
    error: str = ""
    launches: int = 1  # runners started for this job: a lost one is relaunched, boundedly
    started_at: float = Field(default_factory=time.time)  # when it was accepted
    runner_started_at: float | None = None  # when its (latest) runner said it started
    ended_at: float | None = None

    @property
    def active(self) -> bool:
        return self.state not in JOB_FINAL


class LessonOptions(BaseModel):
    """What the client asked for when creating the lesson."""

    quality: str = "l"
    max_scenes: int = 12
    webhook_url: str | None = None
    key_id: str = ""  # the API key that created the lesson: its secret signs the webhooks
    # None: the default (prompt lessons speak; code lessons when a scene has narration text)
    narration: bool | None = None
    voice: str | None = None  # the farm's TTS voice unless named here
    engine: str = "auto"  # prompt lessons: every scene "manim" or "web", or the plan's choice
    review_plan: bool = False  # prompt lessons: stop after planning, for the client to approve


class Progress(BaseModel):
    """Chunk progress of the version being rendered."""

    chunks_total: int = 0
    chunks_done: int = 0
    chunks_cached: int = 0


class LessonEntry(BaseModel):
    """A lesson as the store holds it: the record, its owner, options, job and progress."""

    lesson: Lesson
    owner: str
    options: LessonOptions
    job: LessonJob | None = None
    progress: Progress = Field(default_factory=Progress)
    cancel_requested: bool = False


class NewLesson(BaseModel):
    """A lesson as the API admits it: the record, its first job, and how it was asked for."""

    owner: str
    lesson: Lesson
    options: LessonOptions
    job: LessonJob
    idempotency_key: str | None = None
    fingerprint: str = ""  # of the request body: the same key with another body is a conflict
    idempotency_ttl_s: int = 86_400


class CancelAnswer(StrEnum):
    ASKED = "asked"  # the runner stops at its next check
    NOTHING_RUNS = "nothing_runs"
    TOO_LATE = "too_late"  # the job is past the point where a cancel could stop anything


class ApiKey(BaseModel):
    key_id: str
    owner: str
    created_at: float
    revoked: bool = False
    webhook_secret: str = Field(default="", repr=False)


class StoredEvent(BaseModel):
    """An event as read back from a lesson's stream; `id` is the stream id (Last-Event-ID)."""

    id: str
    kind: str
    lesson: str
    scene: str = ""
    chunk: str = ""
    detail: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    at: float = 0.0


class Delivery(BaseModel):
    """One webhook delivery attempt."""

    event: str  # lesson.ready | lesson.failed
    url: str
    attempt: int
    status_code: int | None = None
    error: str = ""
    ok: bool = False
    at: float = Field(default_factory=time.time)
