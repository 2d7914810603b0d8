"""The lesson domain: a plan from Claude, scenes with code versions, lesson versions.

Wire shapes (what Claude must return) are pydantic models validated on arrival; the lesson
record is a pydantic model too, so it round-trips through JSON (a lesson directory, Redis).
"""

from __future__ import annotations

import keyword
import re
import time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from scenes.status import LessonStatus, SceneStatus

_CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
MIN_SCENES, MAX_SCENES = 3, 12

PRICES_PER_MTOK = (3.0, 15.0, 3.75, 0.30)  # USD, Sonnet-class

Text = Annotated[str, Field(min_length=1, max_length=4000)]


class ScenePlan(BaseModel):
    """One planned scene, as Claude's `plan_lesson` tool returns it."""

    model_config = ConfigDict(extra="forbid")

    class_name: str = Field(
        description="CamelCase name: the Manim Scene class, or the web scene's composition id"
    )
    goal: Text = Field(description="what the learner understands after this scene")
    narration: Text = Field(description="the narration spoken over the scene")
    visual: Text = Field(description="what is shown and how it moves")
    duration_s: float = Field(ge=2, le=120, description="target duration in seconds")
    engine: Literal["manim", "web"] = Field(
        default="manim",
        description="manim for mathematics (formulas, graphs, geometry, transformations); "
        "web (React) for typography, diagrams with boxes and arrows, charts, code walkthroughs",
    )

    @field_validator("class_name")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not _CLASS_NAME.match(value) or keyword.iskeyword(value) or value == "Scene":
            raise ValueError("must be a CamelCase identifier such as IntroToVectors")
        return value


class LessonPlan(BaseModel):
    """The whole lesson plan, as Claude's `plan_lesson` tool returns it."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=200)]
    audience: Annotated[str, Field(min_length=1, max_length=500)]
    learning_goals: Annotated[list[Text], Field(min_length=1, max_length=10)]
    scenes: Annotated[list[ScenePlan], Field(min_length=MIN_SCENES, max_length=MAX_SCENES)]

    @model_validator(mode="after")
    def _unique_classes(self) -> LessonPlan:
        names = [s.class_name for s in self.scenes]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"scene class names must be unique, repeated: {duplicates}")
        return self


class Usage(BaseModel):
    """Tokens spent with Claude, summed over calls."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{k: getattr(self, k) + getattr(other, k) for k in Usage.model_fields})

    def cost_usd(self) -> float:
        """Estimated at Sonnet-class prices (input, output, cache write, cache read per MTok)."""
        counts = (
            self.input_tokens,
            self.output_tokens,
            self.cache_creation_input_tokens,
            self.cache_read_input_tokens,
        )
        return round(sum(n * p for n, p in zip(counts, PRICES_PER_MTOK, strict=True)) / 1e6, 6)


class AttemptKind(StrEnum):
    WRITE = "write"  # first code for a planned scene
    FIX = "fix"  # after a static check, probe or layout failure
    EDIT = "edit"  # an instruction from a client
    REPLACE = "replace"  # code sent by a client


class Attempt(BaseModel):
    """One try at a scene's code and what became of it."""

    kind: AttemptKind
    code: str
    stage: str = ""  # where it failed: static, probe, layout; "" when it passed
    error: str = ""
    line: int | None = None
    usage: Usage = Field(default_factory=Usage)


class BeatRecord(BaseModel):
    """One spoken beat of a scene's narration."""

    text: str
    duration_s: float  # to the millisecond: what the scene's code was given


class SceneNarrationRecord(BaseModel):
    """A scene's narration: its text and, once spoken, its beats. `status` "failed": the voice
    could not be made (`error` says why) and the scene is delivered silent."""

    text: str
    status: str = "pending"  # pending, ok, failed
    error: str = ""
    provider: str = ""
    voice: str = ""
    beats: list[BeatRecord] = Field(default_factory=list)

    @property
    def durations_s(self) -> tuple[float, ...]:
        return tuple(b.duration_s for b in self.beats) if self.status == "ok" else ()


class SceneTiming(BaseModel):
    """How a scene version follows its voice, at the lesson's frame rate: where each beat
    starts, and how long the last frame is held so the voice can finish."""

    durations_s: list[float]  # the beats the version was written and checked against
    starts: list[int]  # each beat's first frame
    fps: int
    hold_frames: int = 0
    fix: str = ""  # a timing problem still there when the fixes ran out (spoken anyway)


class LessonNarration(BaseModel):
    """The lesson's voice: who speaks, how loud, and whether every scene got its voice."""

    provider: str
    voice: str
    target_lufs: float
    status: str = "pending"  # pending, ok, partial (some scenes silent), failed, off
    error: str = ""
    burn_captions: bool = False


class SceneVersion(BaseModel):
    number: int
    code: str
    class_name: str
    origin: AttemptKind
    instruction: str = ""
    layout_warnings: list[str] = Field(default_factory=list)
    timing: SceneTiming | None = None  # narrated scenes only
    created_at: float = Field(default_factory=time.time)


class SceneRecord(BaseModel):
    """A scene of a lesson: its plan, every attempt, and the versions that passed."""

    index: int  # 1-based position in the lesson
    plan: ScenePlan | None = None  # None for scenes a client sent as code
    status: SceneStatus = SceneStatus.QUEUED
    error: str = ""
    attempts: list[Attempt] = Field(default_factory=list)
    versions: list[SceneVersion] = Field(default_factory=list)
    narration: SceneNarrationRecord | None = None  # None: a silent scene
    # What draws it: "manim" (a Python Scene subclass) or "web" (a TSX file registering one
    # composition, on our runtime); its class name is then the composition's id.
    engine: str = "manim"

    @property
    def class_name(self) -> str:
        if self.current is not None:
            return self.current.class_name
        return self.plan.class_name if self.plan is not None else f"Scene{self.index}"

    @property
    def current(self) -> SceneVersion | None:
        return self.versions[-1] if self.versions else None

    def code_of(self, number: int) -> str:
        """The code of version `number` (1-based)."""
        return self.versions[number - 1].code


class LessonVersion(BaseModel):
    """One rendered state of the lesson: which version of each scene it is made of."""

    number: int
    scene_versions: dict[int, int]  # scene index -> scene version number (failed scenes absent)
    video: str = ""  # path or URL of the lesson video
    scene_videos: dict[int, str] = Field(default_factory=dict)
    video_url: str = ""  # where the configured storage serves it
    scene_urls: dict[int, str] = Field(default_factory=dict)
    report: str = ""
    # Narrated versions: their caption files by name (captions.vtt, captions.srt, chapters.vtt,
    # lesson.captioned.mp4), and where storage serves them.
    captions: dict[str, str] = Field(default_factory=dict)
    caption_urls: dict[str, str] = Field(default_factory=dict)
    created_at: float = Field(default_factory=time.time)


class Lesson(BaseModel):
    """A lesson and its history; earlier versions stay readable."""

    id: str
    prompt: str
    plan: LessonPlan | None = None
    status: LessonStatus = LessonStatus.QUEUED
    error: str = ""
    scenes: list[SceneRecord] = Field(default_factory=list)
    versions: list[LessonVersion] = Field(default_factory=list)
    plan_usage: Usage = Field(default_factory=Usage)
    model: str = ""
    quality: str = "l"  # every version renders at the quality the lesson was made with
    narration: LessonNarration | None = None  # None: a silent lesson
    created_at: float = Field(default_factory=time.time)

    def scene(self, index: int) -> SceneRecord:
        """The scene at 1-based `index`; IndexError names the valid range."""
        if not 1 <= index <= len(self.scenes):
            raise IndexError(f"no scene {index}: this lesson has scenes 1..{len(self.scenes)}")
        return self.scenes[index - 1]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> Usage:
        """Every token spent on this lesson: the plan plus every scene attempt."""
        attempts = (a.usage for s in self.scenes for a in s.attempts)
        return sum(attempts, self.plan_usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> float:
        return self.usage.cost_usd()

    @property
    def latest(self) -> LessonVersion | None:
        return self.versions[-1] if self.versions else None
