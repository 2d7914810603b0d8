"""Makes and edits lessons: Claude writes the scenes, the farm probes and renders them.

create: plan -> write every scene (parallel, repaired in rounds, probed on the farm) -> render
version 1. create_from_code: the client's scenes, each checked and probed like a replacement
(no Claude) -> version 1. edit / replace: a new version of one scene -> render the next lesson
version, where every other scene's chunks are cache hits. Earlier versions stay untouched.

With a NarrationConfig, lessons speak (cluster/lessons/narrating.py): each scene's narration is
spoken right after the plan, Claude writes the scene to its beats, each probe's timing is
checked (a fix goes back like a layout problem; a scene too short is held on its last frame),
and after stitching the lesson's audio and captions are delivered with the video. narrate:
a new narration for one scene, which is rewritten only if its timing changed.

The record lives in a LessonStore (a directory for the CLI, Redis for the API). A `cancelled`
callable is asked between steps and between chunk results; a cancel ends the lesson
`cancelled` and raises LessonCancelled.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cluster.delivery.publish import LessonArtifacts, SceneArtifacts, publish_lesson
from cluster.delivery.storage import StorageError
from cluster.farm.coordinator import LessonCancelled, LessonFailed, RenderRequest, remember_probe
from cluster.farm.events import Event, EventKind
from cluster.farm.publish_render import DeliveryFailed
from cluster.farm.report import LessonReport, SceneReport
from cluster.farm.service import Farm
from cluster.farm.worker import Failure
from cluster.lessons.narrating import PUBLISHED_NAMES, NarrationFailed, Narrator
from cluster.lessons.narration import NarrationConfig, NarrationError
from cluster.lessons.narration.deliver import timing_changed
from cluster.lessons.store import LessonStore
from renderers import PRESETS, Quality, RenderError, SceneProbe, SceneSource
from renderers.engines import MANIM, check_engine, engine_of, source_suffix
from sandbox import SandboxStatus
from scenes import (
    LLM,
    GenerationError,
    GenerationOptions,
    Lesson,
    LessonStatus,
    LessonVersion,
    ProbeVerdict,
    SceneNarrationRecord,
    ScenePlan,
    SceneRecord,
    SceneStatus,
    SceneWriter,
    beat_durations,
    lesson_restart,
    lesson_restore,
    lesson_transition,
    new_lesson_id,
    scene_class_of,
    scene_source,
    scene_transition,
)

log = logging.getLogger(__name__)
FINAL = frozenset({LessonStatus.READY, LessonStatus.FAILED, LessonStatus.CANCELLED})
# Sandbox statuses that mean scene code hit a wall (counted as violations by the API's metrics).
VIOLATIONS = frozenset(SandboxStatus) - {SandboxStatus.OK, SandboxStatus.ERROR}


@dataclass(frozen=True)
class Made:
    """A lesson version that was rendered, and what became of each scene."""

    lesson: Lesson
    version: LessonVersion
    report: LessonReport

    @property
    def failed(self) -> list[SceneReport]:
        return [s for s in self.report.scenes if s.error]


class Studio:
    def __init__(
        self,
        farm: Farm,
        llm: LLM | None,
        options: GenerationOptions,
        emit: Callable[[Event], None],
        use_cache: bool = True,
        cancelled: Callable[[], bool] = lambda: False,
        narration: NarrationConfig | None = None,
    ) -> None:
        self.farm = farm
        self.llm = llm
        self.options = options
        self.emit = emit
        self.use_cache = use_cache
        self.cancelled = cancelled
        # None: lessons made here are silent (and a narrated lesson cannot be edited here)
        self.narrator = Narrator(narration, options.threads) if narration else None
        self._captions: dict[str, Path] = {}  # the version being made: its caption files

    # -- the ways a lesson version is made ---------------------------------------------------

    def create(self, prompt: str, where: LessonStore, quality: Quality) -> Made:
        lesson = Lesson(id=new_lesson_id(), prompt=prompt, quality=quality.value)
        return self.generate(lesson, where)

    def generate(self, lesson: Lesson, where: LessonStore, brief: str | None = None) -> Made:
        """Plans and writes every scene of a fresh lesson record (its prompt, or `brief`: the
        prompt with the client's answers to clarifying questions), then renders."""
        with self._cancellable(lesson, where):
            self._plan(lesson, where, brief)
            return self._write_plan(lesson, where, self.options.engine)

    def plan_only(self, lesson: Lesson, where: LessonStore, brief: str | None = None) -> Lesson:
        """Plans a fresh lesson record and keeps the plan for review: the lesson ends
        `planned`, no code written (`write_plan` continues once the plan is approved)."""
        with self._cancellable(lesson, where):
            self._plan(lesson, where, brief)
            assert lesson.plan is not None  # kept with the engines the scenes will be written in
            scenes = [
                p.model_copy(update={"engine": _planned_engine(self.options.engine, p)})
                for p in lesson.plan.scenes
            ]
            lesson.plan = lesson.plan.model_copy(update={"scenes": scenes})
            self._step(lesson, where, LessonStatus.PLANNED)
            self.emit(Event(EventKind.PLAN_READY, lesson.id, detail=_plan_line(lesson)))
            return lesson

    def write_plan(self, lesson: Lesson, where: LessonStore) -> Made:
        """Writes and renders the plan the record holds (one the client approved), as it is:
        Claude is not asked to plan again."""
        if lesson.plan is None:
            raise GenerationError(f"lesson {lesson.id} has no plan to write")
        with self._cancellable(lesson, where):
            lesson.model = getattr(getattr(self.llm, "config", None), "model", "")
            return self._write_plan(lesson, where, "auto")  # each scene's engine as approved

    def _plan(self, lesson: Lesson, where: LessonStore, brief: str | None) -> None:
        lesson.model = getattr(getattr(self.llm, "config", None), "model", "")
        self._step(lesson, where, LessonStatus.PLANNING)
        try:
            lesson.plan, usage = self._writer(lesson).plan(brief or lesson.prompt)
        except GenerationError as e:
            self._fail(lesson, where, f"planning failed: {e}")
            raise
        lesson.plan_usage = usage
        self.emit(Event(EventKind.LESSON_PLANNED, lesson.id, detail=_plan_line(lesson)))

    def _write_plan(self, lesson: Lesson, where: LessonStore, engine: str) -> Made:
        assert lesson.plan is not None
        plans = lesson.plan.scenes
        lesson.scenes = [
            SceneRecord(index=i + 1, plan=p, engine=_planned_engine(engine, p))
            for i, p in enumerate(plans)
        ]
        self._step(lesson, where, LessonStatus.GENERATING)
        self._speak(lesson, where, [p.narration for p in plans])
        self._writer(lesson).write_all(lesson)
        return self._render(lesson, where)

    def create_from_code(
        self,
        lesson: Lesson,
        codes: Sequence[str],
        where: LessonStore,
        narrations: Sequence[str | None] = (),
        engines: Sequence[str | None] = (),
    ) -> Made:
        """A fresh lesson record from the client's code, one scene per entry (a Scene subclass,
        or for a "web" entry of `engines` a TSX file registering one composition): each is
        checked and probed like a replacement (no Claude), then version 1 is rendered. With
        `narrations` (one per scene, None for a silent one) and a narrator, it speaks."""
        with self._cancellable(lesson, where):
            kinds = _engines(engines, len(codes))
            names = [scene_class_of(code, kind) for code, kind in zip(codes, kinds, strict=True)]
            repeated = sorted({n for n in names if n and names.count(n) > 1})
            if repeated:
                self._fail(lesson, where, f"scene class names must be unique: {repeated}")
                raise GenerationError(lesson.error)
            lesson.scenes = [SceneRecord(index=i + 1, engine=kinds[i]) for i in range(len(codes))]
            self._step(lesson, where, LessonStatus.GENERATING)
            if any(t and t.strip() for t in narrations):
                self._speak(lesson, where, list(narrations))
            self._writer(lesson).adopt_all(lesson, codes)
            return self._render(lesson, where)

    def edit(self, where: LessonStore, index: int, instruction: str) -> Made:
        lesson = where.load()
        return self._revise(lesson, where, lambda w: w.edit(lesson, index, instruction))

    def replace(self, where: LessonStore, index: int, code: str) -> Made:
        lesson = where.load()
        return self._revise(lesson, where, lambda w: w.replace(lesson, index, code))

    def narrate(self, where: LessonStore, index: int, text: str) -> Made:
        """A new narration for one scene. Only that scene is spoken again; it is rewritten (and
        rendered) only if its timing changed, else the next version reuses every chunk and
        only the lesson's audio and captions are made again."""
        narrator = self._narrator()
        lesson = where.load()
        if lesson.narration is None:
            narrator.start(lesson)
        record = lesson.scene(index)
        before = narrator.narration_of(record)
        record.narration = SceneNarrationRecord(text=text)
        narrator.speak_all(lesson, [record])
        after = narrator.narration_of(record)
        if after is None:
            error = record.narration.error
            raise NarrationFailed(f"scene {index}: the new narration could not be spoken: {error}")
        if record.current is None or not timing_changed(before, after):
            return self._revise(lesson, where, lambda _: None)
        instruction = "The narration changed: time the scene to its new beats."
        return self._revise(lesson, where, lambda w: w.edit(lesson, index, instruction))

    def _revise(
        self, lesson: Lesson, where: LessonStore, make: Callable[[SceneWriter], object]
    ) -> Made:
        if lesson.narration is not None:
            self._narrator()  # a narrated lesson's next version needs its voice
        previous = lesson.status
        lesson.status = lesson_restart(lesson.status)
        with self._cancellable(lesson, where):
            try:
                self._step(lesson, where, LessonStatus.GENERATING)
                make(self._writer(lesson))
            except GenerationError:
                lesson.status = lesson_restore(lesson.status, previous)
                where.save(lesson)  # with the failed attempts recorded
                raise
            return self._render(lesson, where)

    def _speak(self, lesson: Lesson, where: LessonStore, texts: Sequence[str | None]) -> None:
        """Each scene's narration spoken, before any code is written (nothing when silent)."""
        if self.narrator is None:
            return
        self.narrator.start(lesson)
        for record, text in zip(lesson.scenes, texts, strict=False):
            record.narration = SceneNarrationRecord(text=text) if text and text.strip() else None
        try:
            self.narrator.speak_all(lesson, lesson.scenes)
        except NarrationFailed as e:
            self._fail(lesson, where, f"narration failed: {e}")
            raise
        finally:
            if lesson.status not in FINAL:
                where.save(lesson)

    def _narrator(self) -> Narrator:
        if self.narrator is None:
            raise NarrationFailed("this lesson is narrated: the studio needs narration settings")
        return self.narrator

    @contextmanager
    def _cancellable(self, lesson: Lesson, where: LessonStore) -> Iterator[None]:
        try:
            yield
        except LessonCancelled:
            if lesson.status not in FINAL:
                lesson.error = "cancelled"
                self._step(lesson, where, LessonStatus.CANCELLED)
            raise

    # -- rendering a version -----------------------------------------------------------------

    def _render(self, lesson: Lesson, where: LessonStore) -> Made:
        ready = [s for s in lesson.scenes if s.current is not None]
        if not ready:
            self._fail(lesson, where, "no scene could be written: " + _scene_errors(lesson))
            raise LessonFailed(
                lesson.error, _report_with_failures(lesson, LessonReport.empty(lesson.id))
            )
        self._step(lesson, where, LessonStatus.RENDERING)
        number = len(lesson.versions) + 1
        out = where.version_dir(number)
        narrated = lesson.narration is not None and self.narrator is not None
        request = RenderRequest(
            lesson_id=lesson.id,
            source=None,
            parts=tuple((s.class_name, _source(s)) for s in ready),
            # a narrated lesson's silent video: lesson.mp4 is made from it with its audio
            output=out / ("lesson.silent.mp4" if narrated else "lesson.mp4"),
            quality=Quality(lesson.quality),
            use_cache=self.use_cache,
            allow_partial=True,
            scenes_dir=out / "scenes",
        )
        try:
            report = self.farm.render(request, self.emit, self.cancelled)
        except LessonFailed as e:
            self._fail(lesson, where, str(e))
            raise LessonFailed(str(e), _report_with_failures(lesson, e.report)) from e
        if narrated:
            self._voice_over(lesson, where, request.output, report)
        return self._record_version(lesson, where, number, _report_with_failures(lesson, report))

    def _voice_over(
        self, lesson: Lesson, where: LessonStore, silent: Path, report: LessonReport
    ) -> None:
        """lesson.mp4: the silent video with the lesson's audio, and its captions beside it.
        If that fails and silent scenes are allowed, lesson.mp4 is the silent video and the
        narration says why; otherwise the lesson fails."""
        assert self.narrator is not None and lesson.narration is not None
        self._captions = {}
        by_name = {r.class_name: r for r in lesson.scenes if r.current is not None}
        rendered = [
            (by_name[s.name], s) for s in report.scenes if not s.error and s.name in by_name
        ]
        fps = PRESETS[Quality(lesson.quality)].fps
        try:
            made = self.narrator.deliver(rendered, silent, silent.parent, fps)
        except (NarrationError, RenderError, OSError) as e:
            lesson.narration.status = "failed"
            lesson.narration.error = f"the lesson's audio could not be made: {e}"
            if not self.narrator.config.allow_silent:
                self._fail(lesson, where, f"narration failed: {lesson.narration.error}")
                raise LessonFailed(lesson.narration.error, report) from e
            shutil.copyfile(silent, silent.parent / "lesson.mp4")
        else:
            files = [made.captions_vtt, made.captions_srt, made.chapters_vtt, made.captioned]
            self._captions = {PUBLISHED_NAMES[p.name]: p for p in files if p is not None}
        report.video = str(silent.parent / "lesson.mp4")

    def _record_version(
        self, lesson: Lesson, where: LessonStore, number: int, report: LessonReport
    ) -> Made:
        out = where.version_dir(number)
        rendered = {s.name for s in report.scenes if not s.error}
        scenes = [s for s in lesson.scenes if s.current is not None and s.class_name in rendered]
        videos = {s.name: s.video for s in report.scenes if s.video}
        version = LessonVersion(
            number=number,
            scene_versions={s.index: s.current.number for s in scenes if s.current},
            video=str(out / "lesson.mp4"),
            scene_videos={s.index: videos[s.class_name] for s in scenes if s.class_name in videos},
            report=str(out / "report.json"),
            captions={name: str(path) for name, path in self._captions.items()},
        )
        self._captions = {}
        for record in lesson.scenes:
            if record.class_name in rendered and record.status is not SceneStatus.READY:
                record.status = scene_transition(record.status, SceneStatus.READY)
        self._publish(lesson, version, report)
        if lesson.narration is not None and self.narrator is not None:
            report.narration = self.narrator.lesson_report(lesson, version.caption_urls)
        lesson.versions.append(version)
        report.totals["lesson_version"] = number
        report.totals["claude"] = {**lesson.usage.model_dump(), "cost_usd": lesson.cost_usd}
        report.write(out / "report.json")
        self._step(lesson, where, LessonStatus.READY)
        return Made(lesson, version, report)

    def _publish(self, lesson: Lesson, version: LessonVersion, report: LessonReport) -> None:
        """Stores the version under its versioned keys; only new scene versions are uploaded."""
        storage = self.farm.config.storage
        if storage is None:
            return
        before = lesson.latest
        fresh = {
            i: n
            for i, n in version.scene_versions.items()
            if before is None or before.scene_versions.get(i) != n or i not in before.scene_urls
        }
        scenes = tuple(
            SceneArtifacts(
                i,
                n,
                Path(version.scene_videos[i]),
                lesson.scene(i).code_of(n),
                source_suffix=source_suffix(lesson.scene(i).engine),
            )
            for i, n in fresh.items()
            if i in version.scene_videos
        )
        files = tuple((name, Path(path)) for name, path in version.captions.items())
        artifacts = LessonArtifacts(
            lesson.id, version.number, Path(version.video), scenes, files=files
        )
        try:
            published = publish_lesson(storage, artifacts)
        except StorageError as e:
            raise DeliveryFailed(str(e), report) from e
        version.video_url = report.video_url = published.video.video_url
        version.caption_urls = dict(published.video.files)
        kept = {i: u for i, u in (before.scene_urls if before else {}).items() if i not in fresh}
        version.scene_urls = kept | {s.index: s.video.video_url for s in published.scenes}
        for scene in report.scenes:
            index = next((r.index for r in lesson.scenes if r.class_name == scene.name), None)
            scene.video_url = version.scene_urls.get(index) if index else None

    # -- helpers -----------------------------------------------------------------------------

    def _writer(self, lesson: Lesson) -> SceneWriter:
        def notify(kind: EventKind, scene: str, detail: str) -> None:
            self.emit(Event(kind, lesson.id, scene, detail=detail))

        return SceneWriter(self.llm, lambda items: self._probe(lesson, items), self.options, notify)

    def _probe(
        self, lesson: Lesson, items: Sequence[tuple[SceneSource, str]]
    ) -> list[ProbeVerdict]:
        if self.cancelled():
            raise LessonCancelled(f"lesson {lesson.id} was cancelled")
        verdicts = []
        for (source, scene), outcome in zip(
            items, self.farm.probe_many(items, lesson.id), strict=True
        ):
            failure = outcome.failure
            if failure is not None:
                self._violation(lesson, scene, failure)
                error = f"{failure.kind}: {failure.message}"
                verdicts.append(ProbeVerdict(False, error, failure.line, failure.traceback))
                continue
            probe: SceneProbe = outcome.value
            if engine_of(source) == MANIM:  # a web probe's key needs the browser's identity
                own = self.farm.own(source)  # the key its render will look for
                remember_probe(self.farm.cache, self.farm.pool.engine_version, own, probe)
            verdicts.append(self._verdict(lesson, source, probe))
        return verdicts

    def _verdict(self, lesson: Lesson, source: SceneSource, probe: SceneProbe) -> ProbeVerdict:
        """A probe that ran: its layout problems and, for a narrated scene, its timing."""
        record = next(
            (
                r
                for r in lesson.scenes
                if scene_source(r.index, "", engine=r.engine).filename == source.filename
            ),
            None,
        )
        # a web scene is not timed to its beats (the page is not given them): layout only
        if self.narrator is None or record is None or not source.beats or record.engine != MANIM:
            return ProbeVerdict(True, layout=probe.layout)
        found = self.narrator.timing(record, probe, PRESETS[Quality(lesson.quality)].fps)
        if found is None:
            return ProbeVerdict(True, layout=probe.layout)
        timing, fix = found
        return ProbeVerdict(True, layout=probe.layout, timing=timing, timing_fix=fix)

    def _violation(self, lesson: Lesson, scene: str, failure: Failure) -> None:
        if failure.status in VIOLATIONS:
            data = {"status": failure.status, "kind": failure.kind}
            event = Event(
                EventKind.SANDBOX_VIOLATION, lesson.id, scene, detail=failure.message, data=data
            )
            self.emit(event)

    def _step(self, lesson: Lesson, where: LessonStore, status: LessonStatus) -> None:
        if status not in FINAL and self.cancelled():
            raise LessonCancelled(f"lesson {lesson.id} was cancelled")
        if lesson.status is not status:
            lesson.status = lesson_transition(lesson.status, status)
        where.save(lesson)
        self.emit(Event(EventKind.LESSON_STATUS, lesson.id, detail=status.value))

    def _fail(self, lesson: Lesson, where: LessonStore, error: str) -> None:
        lesson.error = error
        self._step(lesson, where, LessonStatus.FAILED)


def _plan_line(lesson: Lesson) -> str:
    """The plan in one line: its title and its scenes' class names."""
    assert lesson.plan is not None
    titles = ", ".join(s.class_name for s in lesson.plan.scenes)
    return f"{lesson.plan.title}: {titles}"


def _source(record: SceneRecord) -> SceneSource:
    """The scene's current version as it renders: with its beats and its final hold, when
    narrated and timed to them."""
    current = record.current
    assert current is not None
    beats = beat_durations(record)
    timing = current.timing
    timed = timing is not None and tuple(timing.durations_s) == beats
    hold = timing.hold_frames if timing is not None and timed else 0
    return scene_source(record.index, current.code, beats, hold, record.engine)


def _planned_engine(forced: str, plan: ScenePlan) -> str:
    """A planned scene's engine: the one the user forced, else the plan's choice."""
    return plan.engine if forced == "auto" else check_engine(forced)


def _engines(engines: Sequence[str | None], count: int) -> list[str]:
    """Each scene's engine ("manim" where none is named); ValueError for an unknown one."""
    if engines and len(engines) != count:
        raise ValueError(f"{len(engines)} engines for {count} scenes")
    return [check_engine(e or MANIM) for e in engines] if engines else [MANIM] * count


def _scene_errors(lesson: Lesson) -> str:
    return "; ".join(
        f"scene {s.index} ({s.class_name}): {s.error}" for s in lesson.scenes if s.error
    )


def _report_with_failures(lesson: Lesson, report: LessonReport) -> LessonReport:
    """The render report plus the scenes that never got working code, in lesson order."""
    rendered = {s.name: s for s in report.scenes}
    scenes = []
    for record in lesson.scenes:
        scene = rendered.get(record.class_name)
        if scene is None or (record.current is None and record.error):
            error = record.error or "not rendered"
            scene = SceneReport(
                record.class_name,
                0,
                0.0,
                [],
                error,
                "failed",
                error_status="generation",
                engine=record.engine,
            )
        scenes.append(scene)
    report.scenes = scenes
    report.totals["failed_scenes"] = sum(s.error is not None for s in scenes)
    return report
