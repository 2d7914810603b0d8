"""Lesson generation: plan, write every scene in parallel, check, probe, repair (bounded).

Scenes move in rounds: all pending Claude calls run in parallel threads, their code is checked
statically, every survivor is probed in one batch (the farm spreads the batch over its sandboxed
workers), and failures go back to Claude with the error. A scene that cannot be fixed within its
bound fails alone; the others carry on. Every attempt (code, error, tokens) is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from renderers import SceneSource
from renderers.engines import MANIM, SUFFIX
from scenes import prompts
from scenes.checks import check_scene, scene_class_of
from scenes.claude import LLM
from scenes.errors import ClaudeUnavailable, GenerationError, SceneFailed, StaticCheckError
from scenes.event_kinds import EventKind
from scenes.guide import planner_system, writer_system
from scenes.models import (
    Attempt,
    AttemptKind,
    Lesson,
    LessonPlan,
    SceneRecord,
    SceneTiming,
    SceneVersion,
    Usage,
)
from scenes.status import SceneStatus, scene_restart, scene_restore, scene_transition

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeVerdict:
    """What a sandboxed probe run said about one scene's code."""

    ok: bool
    error: str = ""  # "NameError: name 'Foo' is not defined"
    line: int | None = None
    traceback: str = ""
    layout: tuple[str, ...] = ()
    # Narrated scenes: how the code follows its voice, and what to fix when it does not
    timing: SceneTiming | None = None
    timing_fix: str = ""


ProbeMany = Callable[[Sequence[tuple[SceneSource, str]]], list[ProbeVerdict]]
Notify = Callable[[EventKind, str, str], None]  # (kind, scene class name, detail): progress


@dataclass(frozen=True)
class GenerationOptions:
    scenes: int | None = None  # exactly this many scenes; None: Claude chooses 3..max_scenes
    max_scenes: int = 12
    max_fixes: int = 4  # repair rounds per scene for errors (static or probe)
    max_layout_fixes: int = 2  # repair rounds per scene for layout problems
    threads: int = 8  # concurrent Claude calls
    engine: str = "auto"  # "manim" or "web": every planned scene's; "auto": the plan's choice


def scene_source(
    index: int,
    code: str,
    beats: tuple[float, ...] = (),
    hold_frames: int = 0,
    engine: str = MANIM,
) -> SceneSource:
    """The file a scene's code runs as (its name shows in tracebacks and picks the engine
    that draws it: .py Manim, .tsx web), with its narration's beat durations and final hold."""
    return SceneSource(f"scene_{index:02d}{SUFFIX[engine]}", code, beats, hold_frames)


def spoken_beats(record: SceneRecord) -> list[tuple[str, float]]:
    """(text, seconds) of each beat the scene is spoken in; none when silent."""
    narration = record.narration
    if narration is None or narration.status != "ok":
        return []
    return [(b.text, b.duration_s) for b in narration.beats]


def beat_durations(record: SceneRecord) -> tuple[float, ...]:
    return record.narration.durations_s if record.narration else ()


@dataclass
class _SceneWork:
    """One scene on its way to a working version."""

    record: SceneRecord
    kind: AttemptKind
    conversation: list[dict[str, Any]]
    instruction: str = ""
    given_code: str | None = None  # REPLACE: the client's code, no Claude call
    fixes: int = 0
    layout_fixes: int = 0
    code: str = ""
    usage: Usage = field(default_factory=Usage)
    result: SceneVersion | None = None
    failure: str = ""


class SceneWriter:
    """Writes, repairs and edits scene code with Claude, probing it in the sandbox."""

    def __init__(
        self,
        llm: LLM | None,
        probe_many: ProbeMany,
        options: GenerationOptions,
        notify: Notify = lambda *_: None,
    ) -> None:
        self.llm = llm
        self.probe_many = probe_many
        self.options = options
        self.notify = notify

    # -- public ------------------------------------------------------------------------------

    def plan(self, prompt: str) -> tuple[LessonPlan, Usage]:
        messages = prompts.plan_messages(prompt, self.options.scenes, self.options.max_scenes)
        system = planner_system(self.options.engine)
        plan, usage = self._claude().call(system, messages, prompts.PLAN_TOOL, LessonPlan)
        wanted = self.options.scenes
        if wanted is not None and len(plan.scenes) != wanted:  # asked once more, then accepted
            messages += [prompts.plan_turn(plan), prompts.recount_message(len(plan.scenes), wanted)]
            plan, more = self._claude().call(system, messages, prompts.PLAN_TOOL, LessonPlan)
            usage += more
            if len(plan.scenes) != wanted:
                log.warning("plan has %d scenes, %d asked for", len(plan.scenes), wanted)
        return plan, usage

    def write_all(self, lesson: Lesson) -> None:
        """Gives every scene of the planned lesson a first version, or marks it failed."""
        assert lesson.plan is not None
        jobs = []
        for record in lesson.scenes:
            assert record.plan is not None
            beats = spoken_beats(record)
            message = prompts.write_message(
                lesson.plan, record.plan, record.index, beats, record.engine
            )
            jobs.append(_SceneWork(record, AttemptKind.WRITE, [message]))
        self._run(lesson, jobs)

    def edit(self, lesson: Lesson, index: int, instruction: str) -> SceneVersion:
        """A new version of one scene following `instruction`; SceneFailed if none works."""
        record = lesson.scene(index)
        current = _current(record)
        title = lesson.plan.title if lesson.plan else lesson.prompt[:80]
        message = prompts.edit_message(
            title,
            index,
            current.class_name,
            current.code,
            instruction,
            spoken_beats(record),
            record.engine,
        )
        job = _SceneWork(record, AttemptKind.EDIT, [message], instruction=instruction)
        return self._single(lesson, job)

    def adopt_all(self, lesson: Lesson, codes: Sequence[str]) -> None:
        """First versions from a client's code, one per scene in order, checked and probed in
        one round (no Claude); a scene whose code fails is marked failed with the error."""
        jobs = [
            _SceneWork(lesson.scene(i), AttemptKind.REPLACE, [], given_code=code)
            for i, code in enumerate(codes, start=1)
        ]
        self._run(lesson, jobs)

    def replace(self, lesson: Lesson, index: int, code: str) -> SceneVersion:
        """A new version from a client's code, checked and probed; no Claude involved."""
        record = lesson.scene(index)
        job = _SceneWork(record, AttemptKind.REPLACE, [], given_code=code)
        return self._single(lesson, job)

    # -- rounds ------------------------------------------------------------------------------

    def _single(self, lesson: Lesson, job: _SceneWork) -> SceneVersion:
        self._run(lesson, [job])
        if job.result is None:
            scene = f"scene {job.record.index} ({self._class_name(job)})"
            raise SceneFailed(f"{scene}: {job.failure}")
        return job.result

    def _run(self, lesson: Lesson, jobs: list[_SceneWork]) -> None:
        before = {id(j): j.record.status for j in jobs}
        for job in jobs:
            job.record.status = scene_restart(job.record.status)
            _move(job.record, SceneStatus.GENERATING)
        pending = list(jobs)
        while pending:
            drafted = self._draft_all(pending)
            probed = [j for j in drafted if self._static_ok(j, lesson)]
            self._probe_all(probed)
            pending = [j for j in pending if j.result is None and not j.failure]
        for job in jobs:
            self._settle(job, before[id(job)])

    def _settle(self, job: _SceneWork, before: SceneStatus) -> None:
        """A working version joins the record; a failed first write fails the scene."""
        record = job.record
        if job.result is not None:
            record.versions.append(job.result)
            record.error = ""
        elif job.kind is AttemptKind.WRITE or record.current is None:
            record.status = scene_transition(record.status, SceneStatus.FAILED)
            record.error = job.failure
        else:
            record.status = scene_restore(record.status, before)

    def _draft_all(self, jobs: list[_SceneWork]) -> list[_SceneWork]:
        with ThreadPoolExecutor(max_workers=max(1, self.options.threads)) as pool:
            errors = list(pool.map(self._draft, jobs))
        for job, error in zip(jobs, errors, strict=True):
            if error is not None:
                self._fail(job, f"Claude failed: {error}")
        return [job for job, error in zip(jobs, errors, strict=True) if error is None]

    def _draft(self, job: _SceneWork) -> GenerationError | None:
        """One Claude call (or the client's code); runs in a worker thread, touches only job."""
        if job.given_code is not None:
            job.code, job.given_code = job.given_code, None
            return None
        try:
            engine = job.record.engine
            reply, usage = self._claude().call(
                writer_system(engine),
                job.conversation,
                prompts.write_tool(engine),
                prompts.SceneCode,
            )
        except GenerationError as e:
            return e
        job.code, job.usage = reply.code, usage
        job.conversation.append(prompts.code_turn(reply.code, job.record.engine))
        return None

    def _static_ok(self, job: _SceneWork, lesson: Lesson) -> bool:
        try:
            check_scene(job.code, self._class_name(job), job.record.engine)
            _unique_class(lesson, job.record.index, self._class_name(job))
        except StaticCheckError as e:
            self._retry(job, "static", str(e), None, "")
            return False
        return True

    def _probe_all(self, jobs: list[_SceneWork]) -> None:
        """Probes every job's code in one batch (spread over the farm's sandboxes)."""
        if not jobs:
            return
        for job in jobs:
            _move(job.record, SceneStatus.PROBING)
        sources = [
            (
                scene_source(
                    j.record.index, j.code, beat_durations(j.record), engine=j.record.engine
                ),
                self._class_name(j),
            )
            for j in jobs
        ]
        for job, verdict in zip(jobs, self.probe_many(sources), strict=True):
            if not verdict.ok:
                self._retry(job, "probe", verdict.error, verdict.line, verdict.traceback)
            elif verdict.layout and self._may_fix_layout(job):
                self._layout_retry(job, list(verdict.layout))
            elif verdict.timing_fix and self._may_fix_layout(job):
                self._timing_retry(job, verdict.timing_fix)
            else:
                self._accept(job, list(verdict.layout), verdict.timing, verdict.timing_fix)

    # -- outcomes ----------------------------------------------------------------------------

    def _record(
        self, job: _SceneWork, stage: str = "", error: str = "", line: int | None = None
    ) -> None:
        first = job.fixes == 0 and job.layout_fixes == 0
        if stage:
            self.notify(
                EventKind.SCENE_ATTEMPT_FAILED, self._class_name(job), f"{stage}: {error}"[:300]
            )
        job.record.attempts.append(
            Attempt(
                kind=job.kind if first else AttemptKind.FIX,
                code=job.code,
                stage=stage,
                error=error,
                line=line,
                usage=job.usage,
            )
        )
        job.usage = Usage()

    def _retry(self, job: _SceneWork, stage: str, error: str, line: int | None, tb: str) -> None:
        self._record(job, stage, error, line)
        if job.kind is AttemptKind.REPLACE:
            self._fail(job, f"{stage} check failed: {error}")
        elif job.fixes >= self.options.max_fixes:
            self._fail(job, f"still failing after {job.fixes} fixes: {stage}: {error}")
        else:
            job.fixes += 1
            job.conversation.append(
                prompts.fix_message(self._class_name(job), stage, error, line, job.code, tb)
            )
            _move(job.record, SceneStatus.GENERATING)

    def _may_fix_layout(self, job: _SceneWork) -> bool:
        limit = self.options.max_layout_fixes
        return job.kind is not AttemptKind.REPLACE and job.layout_fixes < limit

    def _layout_retry(self, job: _SceneWork, issues: list[str]) -> None:
        self._record(job, "layout", "; ".join(issues))
        job.layout_fixes += 1
        job.conversation.append(
            prompts.layout_message(self._class_name(job), issues, job.record.engine)
        )
        _move(job.record, SceneStatus.GENERATING)

    def _timing_retry(self, job: _SceneWork, fix: str) -> None:
        """Animations out of step with the voice go back like a layout problem, within the
        same bound."""
        self._record(job, "timing", fix)
        job.layout_fixes += 1
        job.conversation.append(prompts.timing_message(self._class_name(job), fix))
        _move(job.record, SceneStatus.GENERATING)

    def _accept(
        self,
        job: _SceneWork,
        warnings: list[str],
        timing: SceneTiming | None = None,
        timing_fix: str = "",
    ) -> None:
        self._record(job)
        if timing is not None and timing_fix:
            timing = timing.model_copy(update={"fix": timing_fix})
        job.result = SceneVersion(
            number=len(job.record.versions) + 1,
            code=job.code,
            class_name=self._class_name(job),
            origin=job.kind,
            instruction=job.instruction,
            layout_warnings=warnings,
            timing=timing,
        )
        self.notify(
            EventKind.SCENE_WRITTEN, self._class_name(job), f"{len(job.record.attempts)} attempts"
        )

    def _fail(self, job: _SceneWork, why: str) -> None:
        job.failure = why
        self.notify(EventKind.SCENE_FAILED, self._class_name(job), why[:300])
        log.info("scene failed", extra={"scene": job.record.index, "error": why})

    # -- helpers -----------------------------------------------------------------------------

    def _claude(self) -> LLM:
        if self.llm is None:
            raise ClaudeUnavailable("this needs Claude, and ANTHROPIC_API_KEY is not set")
        return self.llm

    @staticmethod
    def _class_name(job: _SceneWork) -> str:
        if job.kind is AttemptKind.REPLACE:
            return scene_class_of(job.code, job.record.engine) or job.record.class_name
        return job.record.class_name


def _unique_class(lesson: Lesson, index: int, class_name: str) -> None:
    """Scenes are rendered side by side by class name: each needs its own."""
    for other in lesson.scenes:
        if other.index != index and other.current and other.class_name == class_name:
            raise StaticCheckError(
                [f"class {class_name} is already scene {other.index}'s class; choose another name"]
            )


def _current(record: SceneRecord) -> SceneVersion:
    if record.current is None:
        raise SceneFailed(f"scene {record.index} has no working version to edit")
    return record.current


def _move(record: SceneRecord, new: SceneStatus) -> None:
    if record.status is not new:
        record.status = scene_transition(record.status, new)
