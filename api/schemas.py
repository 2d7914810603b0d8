"""Wire schemas: what clients send and get back, kept apart from the stored records."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from api.payloads import LessonEvent, RenderReport
from cluster.jobs.store import Delivery, JobOp, JobState
from scenes import LessonStatus, SceneStatus, scene_class_of
from scenes.models import MAX_SCENES, MIN_SCENES
from scenes.questions import MAX_QUESTIONS

MAX_PROMPT_CHARS = 4000
MAX_CODE_BYTES = 24 * 1024  # the static check's own limit
MAX_INSTRUCTION_CHARS = 2000
MAX_NARRATION_CHARS = 2000
MAX_ANSWER_CHARS = 500
MAX_PLAN_TEXT_CHARS = 4000
Engine = Literal["manim", "web"]
# A TTS voice name as providers spell them: espeak-ng "en-us", "en-gb+f3"; Polly "Joanna"
VOICE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]{0,63}$"
Quality = Literal["l", "m", "h", "k"]

EXAMPLE_CODE = (
    "from manim import *\n\n\nclass Intro(Scene):\n    def construct(self):\n"
    "        self.play(Create(Circle()), run_time=1)\n"
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SceneCode(_In):
    engine: Engine = Field(
        default="manim",
        description="manim: a Python file with one Scene subclass; web: a TSX file registering"
        " one composition (React, rendered in headless Chromium)",
    )
    code: str = Field(
        min_length=1,
        max_length=MAX_CODE_BYTES,
        description="the scene's source, as its engine expects",
        examples=[EXAMPLE_CODE],
    )
    narration: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_NARRATION_CHARS,
        description="what the scene says: spoken (the lesson gets captions), the scene held on"
        " its last frame while the voice runs longer; none: a silent scene",
    )

    @field_validator("code")
    @classmethod
    def _one_scene(cls, code: str, info: ValidationInfo) -> str:
        if len(code.encode()) > MAX_CODE_BYTES:
            raise ValueError(f"is over {MAX_CODE_BYTES} bytes")
        engine = info.data.get("engine", "manim")
        if _scene_class(code, engine) is None:
            what = "composition" if engine == "web" else "Scene subclass"
            raise ValueError(f"defines no single {what} (or does not parse)")
        return code


def _scene_class(code: str, engine: str = "manim") -> str | None:
    try:
        return scene_class_of(code, engine)
    except (ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting
        return None


class Answer(_In):
    """One clarifying question (as `POST /v1/lessons/questions` asked it) and its answer."""

    question: str = Field(min_length=1, max_length=300)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)


class QuestionsAsk(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"prompt": "Explain the Pythagorean theorem"}]},
    )
    prompt: str = Field(
        min_length=1,
        max_length=MAX_PROMPT_CHARS,
        description="the lesson's prompt, as it will be sent to `POST /v1/lessons`",
    )


class QuestionsPublic(BaseModel):
    """Claude's clarifying questions: send them back with answers as `answers` (or skip)."""

    questions: list[str] = Field(
        description="two to four short questions about the prompt; none when Claude could not"
        " ask (`error` says why): the lesson can be made without answers"
    )
    error: str | None = Field(default=None, description="why there are no questions")


class LessonCreate(_In):
    """Either a prompt for Claude, or the scenes' code; plus render options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"prompt": "Explain the Pythagorean theorem to 12-year-olds", "quality": "m"},
                {"scenes": [{"code": EXAMPLE_CODE}], "quality": "l"},
            ]
        },
    )

    prompt: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PROMPT_CHARS,
        description="what the lesson should teach, and to whom",
    )
    scenes: list[SceneCode] | None = Field(
        default=None, min_length=1, max_length=12, description="the lesson's scenes, in order"
    )
    quality: Quality = Field(default="l", description="l=480p15, m=720p30, h=1080p60, k=2160p60")
    max_scenes: int | None = Field(
        default=None, ge=3, le=12, description="at most this many planned scenes (prompt only)"
    )
    webhook_url: AnyHttpUrl | None = Field(
        default=None, description="POSTed a signed JSON body when the lesson is ready or failed"
    )
    narration: bool | None = Field(
        default=None,
        description="speak the lesson (captions too); default: a prompt lesson speaks, a code"
        " lesson speaks the scenes that have `narration` text",
    )
    voice: str | None = Field(
        default=None,
        pattern=VOICE_PATTERN,
        description="the TTS provider's voice name (espeak-ng: en-us, en-gb; Polly: Joanna);"
        " default: the server's",
    )
    engine: Literal["auto", "manim", "web"] = Field(
        default="auto",
        description="prompt only: write every scene as Manim or as a web scene; auto: the"
        " plan's choice per scene",
    )
    review_plan: bool = Field(
        default=False,
        description="prompt only: stop after planning; the lesson waits `planned` (holding no"
        " concurrency slot) until `POST /v1/lessons/{id}/plan` approves the plan, edited or not",
    )
    answers: list[Answer] | None = Field(
        default=None,
        max_length=MAX_QUESTIONS,
        description="prompt only: answers to `POST /v1/lessons/questions`; they go into the"
        " planner's prompt",
    )

    @model_validator(mode="after")
    def _one_source(self) -> LessonCreate:
        if (self.prompt is None) == (self.scenes is None):
            raise ValueError("give exactly one of `prompt` or `scenes`")
        if self.scenes is not None and (self.review_plan or self.answers):
            raise ValueError("`review_plan` and `answers` are for a prompt, not `scenes`")
        if self.scenes is not None:
            names = [_scene_class(s.code, s.engine) for s in self.scenes]
            repeated = sorted({n for n in names if n is not None and names.count(n) > 1})
            if repeated:
                raise ValueError(f"`scenes` must define distinct classes, repeated: {repeated}")
        return self

    @field_validator("webhook_url")
    @classmethod
    def _short_url(cls, url: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if url is not None and len(str(url)) > 2000:
            raise ValueError("is longer than 2000 characters")
        return url


class PlannedScene(_In):
    """A scene of the plan as the client approves it: Claude's, reworded, or new."""

    class_name: str | None = Field(
        default=None,
        pattern=r"^[A-Z][A-Za-z0-9]{0,63}$",
        description="CamelCase, unique in the plan; default: one is made (`Scene4`)",
    )
    goal: str = Field(min_length=1, max_length=MAX_PLAN_TEXT_CHARS)
    narration: str = Field(min_length=1, max_length=MAX_PLAN_TEXT_CHARS)
    visual: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PLAN_TEXT_CHARS,
        description="what is shown and how it moves; default: the goal",
    )
    duration_s: float = Field(default=10.0, ge=2, le=120)
    engine: Engine = Field(default="manim", description="what draws the scene")


class PlanApproval(_In):
    """The plan to write, exactly: the scenes in order (reordered, deleted, added, reworded)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "scenes": [
                        {"goal": "See a right triangle", "narration": "Meet the triangle."},
                        {"goal": "See the squares", "narration": "Squares on each side."},
                        {"goal": "See a² + b² = c²", "narration": "They add up."},
                    ]
                }
            ]
        },
    )
    title: str | None = Field(
        default=None, min_length=1, max_length=200, description="default: the planned title"
    )
    scenes: list[PlannedScene] = Field(min_length=MIN_SCENES, max_length=MAX_SCENES)


class PlannedScenePublic(BaseModel):
    class_name: str
    goal: str
    narration: str
    visual: str
    duration_s: float
    engine: str


class PlanPublic(BaseModel):
    """Claude's plan (or the approved one): review it while the lesson is `planned`."""

    title: str
    audience: str
    learning_goals: list[str]
    scenes: list[PlannedScenePublic]


class SceneEdit(_In):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"instruction": "make the circle red"}]}
    )
    instruction: str = Field(min_length=1, max_length=MAX_INSTRUCTION_CHARS)


class SceneReplace(SceneCode):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"code": EXAMPLE_CODE}]}
    )


class Accepted(BaseModel):
    """A job was accepted; follow `Location` (or the events) for its progress."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "lesson-0123456789ab", "job": 1, "status": "queued"}]
        }
    )
    id: str
    job: int = Field(description="the job's number within the lesson")
    status: LessonStatus


class ScenePublic(BaseModel):
    index: int = Field(description="1-based position in the lesson")
    class_name: str
    status: SceneStatus
    error: str = ""
    version: int | None = Field(description="the current scene version; None before one works")
    attempts: int
    layout_warnings: list[str] = Field(default_factory=list)


class VersionPublic(BaseModel):
    number: int
    scene_versions: dict[int, int] = Field(description="scene index -> scene version")
    video_url: str
    scene_urls: dict[int, str]
    caption_urls: dict[str, str] = Field(
        default_factory=dict,
        description="a narrated version's captions.vtt, captions.srt and chapters.vtt (and"
        " lesson.captioned.mp4 with burned-in captions) -> URL",
    )
    created_at: float
    report: RenderReport | None = Field(
        default=None, description="the render report: per scene, its chunks and cache hits"
    )


class ProgressPublic(BaseModel):
    chunks_total: int
    chunks_done: int
    chunks_cached: int
    fraction: float = Field(ge=0, le=1)


class JobPublic(BaseModel):
    number: int
    op: JobOp
    state: JobState
    index: int = Field(description="the scene an edit or replacement is for; 0 for creates")
    error: str
    started_at: float
    ended_at: float | None


class UsagePublic(BaseModel):
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float


class LessonPublic(BaseModel):
    id: str
    status: LessonStatus
    error: str
    prompt: str
    title: str
    quality: Quality
    created_at: float
    plan: PlanPublic | None = Field(
        default=None, description="the lesson's plan, once made (prompt lessons)"
    )
    scenes: list[ScenePublic]
    versions: list[VersionPublic]
    video_url: str | None = Field(description="the latest version's video")
    progress: ProgressPublic
    job: JobPublic | None
    webhook_url: str | None
    webhook_deliveries: list[Delivery]
    usage: UsagePublic


class LessonSummary(BaseModel):
    id: str
    status: LessonStatus
    title: str
    created_at: float
    versions: int
    video_url: str | None


class LessonsPublic(BaseModel):
    data: list[LessonSummary]
    count: int = Field(description="the caller's lessons in all")
    offset: int
    limit: int


DOCUMENTED: tuple[type[BaseModel], ...] = (LessonEvent,)  # in the document, named by no route


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


class FieldError(BaseModel):
    field: str = Field(description="where: `body.scenes[1].code`, `header.Last-Event-ID`, ...")
    message: str
    line: int | None = Field(
        default=None, ge=1, description="a body that is not JSON: the line where it breaks"
    )
    column: int | None = Field(default=None, ge=1, description="... and the column (1-based)")
    offset: int | None = Field(
        default=None, ge=0, description="... and the character offset from the body's start"
    )


class ProblemDetails(BaseModel):
    """RFC 9457 problem details; `errors` for validation, `retry_after` for quotas."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(examples=["urn:scenefarm:problem:not-found"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = Field(
        default=None, description="validation problems (422): each field at fault"
    )
    retry_after: int | None = Field(
        default=None, description="seconds to wait (429, 503), as the Retry-After header says"
    )
