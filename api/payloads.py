"""Typed payloads clients receive inside other answers: a version's render report
(`GET /v1/lessons/{id}`) and the JSON `data:` of each Server-Sent Event (`.../events`).

They mirror what the farm stores (cluster/farm/report.py `LessonReport.to_json`, the events of
scenes/event_kinds.py) so the OpenAPI document names every field; api/present.py and api/sse.py
send them through these models.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from cluster.jobs.store import JobOp, JobState

# -- the render report --------------------------------------------------------------------------


class ChunkReportPublic(BaseModel):
    """One chunk of a scene: a run of its animations rendered as one MP4."""

    first_animation: int = Field(description="its first animation (0-based, in the scene)")
    last_animation: int = Field(description="its last animation, inclusive")
    frames: int
    render_s: float = Field(description="seconds spent rendering it this run (0 if cached)")
    cached: bool = Field(description="it came from the chunk cache, not rendered this run")
    attempts: int = Field(default=0, description="how many times it was tried this run")
    scouted: bool = Field(default=False, description="drawn by the job that probed the scene")
    group: str | None = Field(default=None, description="the worker group it was rendered in")
    node: str | None = Field(default=None, description="the farm node that rendered it")


class SceneReportPublic(BaseModel):
    name: str = Field(description="the scene's class name")
    frames: int
    duration_s: float
    chunks: list[ChunkReportPublic]
    status: str = Field(default="ready", description="`ready` or `failed`")
    error: str | None = Field(default=None, description="why it failed")
    error_status: str | None = Field(
        default=None,
        description="why it failed, as a word: error, timeout, memory, killed, forbidden, "
        "output_rejected, sandbox (the farm's fault) or generation (no working code)",
    )
    video_url: str | None = Field(default=None, description="the published scene video")
    poster_url: str | None = Field(default=None, description="its poster (last frame, JPEG)")
    video: str | None = Field(default=None, description="the file name the run wrote")
    poster: str | None = Field(default=None, description="the poster's file name")
    narration: dict[str, Any] | None = Field(
        default=None, description="narrated lessons only: provider, voice, audio_s, beats, ..."
    )
    engine: str = Field(default="manim", description="what drew it: `manim` or `web`")


class ClaudeTotals(BaseModel):
    """Claude's use for the lesson up to this version."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost_usd: float = 0.0


class ReportTotals(BaseModel):
    wall_s: float = Field(default=0.0, description="the render's wall-clock seconds")
    chunks: int = 0
    cached_chunks: int = 0
    rendered_chunks: int = 0
    failed_scenes: int = 0
    lesson_version: int | None = Field(default=None, description="the version it made")
    claude: ClaudeTotals | None = None
    phases: dict[str, float] | None = Field(
        default=None, description="seconds per phase of the render (probe, render, join, ...)"
    )


class RenderReport(BaseModel):
    """The render report of a lesson version: per scene, its chunks and cache hits."""

    lesson_id: str
    scenes: list[SceneReportPublic]
    totals: ReportTotals = Field(default_factory=ReportTotals)
    video: str | None = Field(default=None, description="the file name the run wrote")
    error: str | None = None
    video_url: str | None = Field(default=None, description="the published lesson video")
    poster_url: str | None = None
    narration: dict[str, Any] | None = Field(
        default=None, description="narrated lessons only: provider, voice, loudness, status, ..."
    )


# -- the events -----------------------------------------------------------------------------

KIND_DOCS: dict[str, str] = {
    "lesson_started": "a render began: `detail` says how many scenes",
    "lesson_planned": "Claude's plan is in: `detail` has the title and the scenes",
    "plan_ready": "the plan waits for review (`review_plan`): read it on the lesson, approve it"
    " with `POST /v1/lessons/{id}/plan`",
    "lesson_status": "the lesson's status changed: `detail` is the new one",
    "lesson_ready": "the lesson video is written",
    "lesson_cancelled": "the render stopped on a cancel",
    "scene_attempt_failed": "an attempt at writing a scene failed: `detail` has stage and error",
    "scene_written": "a scene's code passed the checks and its probe",
    "scene_probed": "a scene's animations are counted (`detail`; `cached`: from the cache)",
    "scene_planned": "a scene's chunks are planned: `data` has `chunks` and `cached`",
    "scene_failed": "a scene failed for good: `detail` is the error, `data` says why",
    "scene_ready": "a scene's video is stitched",
    "chunks_planned": "every scene is planned: `data` has the lesson's `total` and `cached`",
    "chunk_done": "a chunk is in: `data` has `cached`, `render_s` and `frames`",
    "sandbox_violation": "scene code hit a sandbox limit: `data` says which",
    "job_started": "a job began: `detail` is its op, `data` the job",
    "job_done": "the job ended: the new version is published",
    "job_failed": "the job failed: `detail` is why",
    "job_cancelled": "the job was cancelled",
}


def _kinds(*kinds: str) -> str:
    return "; ".join(f"`{kind}`: {KIND_DOCS[kind]}" for kind in kinds)


class _Event(BaseModel):
    """What every event carries; `kind` names it (the SSE `event:` line says the same)."""

    lesson: str = Field(description="the lesson's id")
    scene: str = Field(default="", description="the scene's class name (scene and chunk events)")
    chunk: str = Field(default="", description="the chunk's label (chunk events)")
    detail: str = Field(default="", description="a short text for people")
    at: float = Field(default=0.0, description="when, in seconds since the Unix epoch")


class NoData(BaseModel):
    """These kinds carry nothing in `data`."""

    model_config = ConfigDict(extra="forbid")


_PLAIN = (
    "lesson_started",
    "lesson_planned",
    "plan_ready",
    "lesson_status",
    "lesson_ready",
    "lesson_cancelled",
    "scene_attempt_failed",
    "scene_written",
    "scene_probed",
    "scene_ready",
)


class PlainEvent(_Event):
    kind: Literal[
        "lesson_started",
        "lesson_planned",
        "plan_ready",
        "lesson_status",
        "lesson_ready",
        "lesson_cancelled",
        "scene_attempt_failed",
        "scene_written",
        "scene_probed",
        "scene_ready",
    ] = Field(description=_kinds(*_PLAIN))
    data: NoData = Field(default_factory=NoData)


class ScenePlannedData(BaseModel):
    chunks: int = Field(description="the scene's chunks")
    cached: int = Field(description="how many of them are in the cache already")


class ScenePlannedEvent(_Event):
    kind: Literal["scene_planned"] = Field(description=_kinds("scene_planned"))
    data: ScenePlannedData


class ChunksPlannedData(BaseModel):
    total: int = Field(description="the lesson's chunks, every scene planned")
    cached: int = Field(description="how many of them are in the cache already")


class ChunksPlannedEvent(_Event):
    kind: Literal["chunks_planned"] = Field(description=_kinds("chunks_planned"))
    data: ChunksPlannedData


class ChunkDoneData(BaseModel):
    cached: bool = Field(description="it came from the chunk cache")
    render_s: float = Field(description="seconds it took to render (0 if cached)")
    frames: int
    group: str | None = Field(default=None, description="the worker group it was rendered in")
    node: str | None = Field(default=None, description="the farm node that rendered it")


class ChunkDoneEvent(_Event):
    kind: Literal["chunk_done"] = Field(description=_kinds("chunk_done"))
    data: ChunkDoneData


class FailureData(BaseModel):
    status: str | None = Field(
        default=None,
        description="why, as a word: error, timeout, memory, killed, forbidden, "
        "output_rejected, sandbox (absent when no working code could be written)",
    )
    kind: str | None = Field(default=None, description="the error's kind (its exception name)")


class SceneFailureEvent(_Event):
    kind: Literal["scene_failed", "sandbox_violation"] = Field(
        description=_kinds("scene_failed", "sandbox_violation")
    )
    data: FailureData = Field(default_factory=FailureData)


class JobData(BaseModel):
    """The job the event is about (absent when its runner failed before it started)."""

    job: int | None = Field(default=None, description="the job's number within the lesson")
    op: JobOp | None = None
    state: JobState | None = None
    index: int | None = Field(default=None, description="the scene edited or replaced; 0 else")


class JobEvent(_Event):
    kind: Literal["job_started", "job_done", "job_failed", "job_cancelled"] = Field(
        description=_kinds("job_started", "job_done", "job_failed", "job_cancelled")
    )
    data: JobData = Field(default_factory=JobData)


AnyEvent = Annotated[
    PlainEvent
    | ScenePlannedEvent
    | ChunksPlannedEvent
    | ChunkDoneEvent
    | SceneFailureEvent
    | JobEvent,
    Field(discriminator="kind"),
]


class LessonEvent(RootModel[AnyEvent]):
    """The JSON `data:` of one Server-Sent Event of a lesson; `kind` says which of these it is
    (and is also the SSE `event:` name); `id:` is the event's id for Last-Event-ID."""
