"""Renders one lesson: list scenes, probe them, plan chunks, fan out, stitch.

Every chunk of every scene is scheduled at once, heaviest first. A scene that fails does not
stop the others; the lesson then fails naming it, unless a partial video was asked for.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from cluster.cache import ChunkCache
from cluster.events import Event
from cluster.pool import Dispatcher, Task, WorkerPool
from cluster.report import ChunkReport, LessonReport, SceneReport
from cluster.worker import Failure, Outcome
from renderers import (
    PRESETS,
    AnimationInfo,
    ChunkPolicy,
    ChunkSpec,
    Quality,
    RenderedChunk,
    SceneProbe,
    SceneSource,
    StitchError,
    chunk_key,
    concat,
    file_key,
    plan_key,
    plan_lesson,
    probe_key,
    scene_fingerprint,
)
from sandbox import SandboxLimits
from scenes import SceneStatus, scene_transition


class LessonCancelled(Exception):
    """The lesson was cancelled: chunks not yet started were dropped, nothing was stitched."""


class LessonFailed(Exception):
    """The lesson video was not written; `report` says which scenes failed and why."""

    def __init__(self, message: str, report: LessonReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class RenderRequest:
    """A lesson to render: scenes of one file (`source`), or one file per scene (`parts`)."""

    lesson_id: str
    source: SceneSource | None
    output: Path
    scenes: tuple[str, ...] = ()  # empty: every scene, in definition order
    quality: Quality = Quality.LOW
    use_cache: bool = True
    allow_partial: bool = False
    scenes_dir: Path | None = None  # where per-scene videos go; None: not kept
    policy: ChunkPolicy = field(default_factory=ChunkPolicy)
    parts: tuple[tuple[str, SceneSource], ...] = ()  # (scene, its own file), in lesson order

    def __post_init__(self) -> None:
        if (self.source is None) == (not self.parts):
            raise ValueError("a render request needs either a source file or scene parts")
        names = [name for name, _ in self.parts]
        if len(set(names)) != len(names):
            raise ValueError(f"scene names must be unique within a lesson: {names}")

    def source_of(self, scene: str) -> SceneSource:
        """The file a scene of this request is defined in."""
        if self.source is not None:
            return self.source
        return dict(self.parts)[scene]


@dataclass
class _SceneState:
    name: str
    status: SceneStatus = SceneStatus.QUEUED
    probe: SceneProbe | None = None
    chunks: dict[int, ChunkReport] = field(default_factory=dict)
    paths: dict[int, Path] = field(default_factory=dict)
    keys: dict[int, str] = field(default_factory=dict)  # chunk index -> cache key
    failure: Failure | None = None
    video: Path | None = None  # the stitched scene video, once written

    def move(self, new: SceneStatus) -> None:
        self.status = scene_transition(self.status, new)


class Pools(Protocol):
    """Workers on demand: nothing is connected or started until `get()` is called."""

    @property
    def size(self) -> int: ...

    @property
    def engine_version(self) -> str: ...

    @property
    def limits(self) -> SandboxLimits: ...

    def get(self) -> WorkerPool: ...


class Coordinator:
    def __init__(
        self,
        pools: Pools,
        cache: ChunkCache,
        emit: Callable[[Event], None],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        self.pools = pools
        self.cache = cache
        self.emit = emit
        self.cancelled = cancelled  # asked between results: a cancel drops the queued tasks
        self.stopped = False
        self.engine_version = pools.engine_version
        self.phases: dict[str, float] = {}
        self.fingerprints: dict[str, str] = {}
        self.sources: dict[str, SceneSource] = {}

    def render(self, req: RenderRequest) -> LessonReport:
        started = time.monotonic()
        names = self._scene_names(req)
        states = {n: _SceneState(n) for n in names}
        self.emit(Event("lesson_started", req.lesson_id, detail=f"{len(names)} scenes"))
        phases = {"list_s": time.monotonic() - started}
        mark = time.monotonic()
        self._stop_if_cancelled(req)
        self._probe(req, states)
        phases["probe_s"], mark = time.monotonic() - mark, time.monotonic()
        self._stop_if_cancelled(req)
        self._render_chunks(req, states)
        phases["render_s"], mark = time.monotonic() - mark, time.monotonic()
        self._stop_if_cancelled(req)
        try:
            return self._stitch(req, states, started)
        finally:
            phases["stitch_s"] = time.monotonic() - mark
            self.phases = {k: round(v, 3) for k, v in phases.items()}

    def _stop_if_cancelled(self, req: RenderRequest) -> None:
        if self.stopped or self.cancelled():
            self.emit(Event("lesson_cancelled", req.lesson_id, detail="render stopped"))
            raise LessonCancelled(f"lesson {req.lesson_id} was cancelled")

    # -- scenes ------------------------------------------------------------------------------

    def _scene_names(self, req: RenderRequest) -> list[str]:
        if req.parts:
            self.sources = dict(req.parts)
            self.fingerprints = {n: scene_fingerprint(s, n, [n]) for n, s in req.parts}
            return [name for name, _ in req.parts]
        assert req.source is not None
        return self._file_scene_names(req, req.source)

    def _file_scene_names(self, req: RenderRequest, source: SceneSource) -> list[str]:
        key = file_key(source, self.engine_version)
        names = self.cache.get_json("scene-lists", key) if req.use_cache else None
        if names is None:
            outcome = self._run_one(Task("list", "list_scenes", (source,), f"{req.lesson_id}/list"))
            if outcome.failure:
                failure = outcome.failure
                report = LessonReport.empty(req.lesson_id)
                raise LessonFailed(f"{source.filename}: {failure.describe()}", report)
            names = list(outcome.value[0])
            self.cache.put_json("scene-lists", key, names)
        self.fingerprints = {n: scene_fingerprint(source, n, names) for n in names}
        self.sources = dict.fromkeys(names, source)
        if not req.scenes:
            if not names:
                raise LessonFailed(
                    f"{source.filename} defines no Scene", LessonReport.empty(req.lesson_id)
                )
            return list(names)
        unknown = [s for s in req.scenes if s not in names]
        if unknown:
            known = ", ".join(names) or "none"
            message = f"no scene named {', '.join(unknown)} in {source.filename} (scenes: {known})"
            raise LessonFailed(message, LessonReport.empty(req.lesson_id))
        return list(req.scenes)

    def _run_one(self, task: Task) -> Outcome:
        dispatcher = Dispatcher(self.pools.get())
        dispatcher.submit([task])
        for _, outcome in dispatcher.results():
            return outcome
        raise RuntimeError("dispatcher returned no result")

    def _probe(self, req: RenderRequest, states: dict[str, _SceneState]) -> None:
        tasks = []
        for name, state in states.items():
            state.move(SceneStatus.PROBING)
            cached = self.cache.get_json(
                "probes", probe_key(self.fingerprints[name], name, self.engine_version)
            )
            if req.use_cache and cached is not None:
                state.probe = _probe_from_json(name, cached)
                self.emit(Event("scene_probed", req.lesson_id, name, detail="cached"))
                continue
            tasks.append(
                Task(
                    name,
                    "probe",
                    (self.sources[name], name),
                    f"{req.lesson_id}/{name}/probe",
                    meta={"scene": name},
                )
            )
        for task, outcome in self._results(tasks):
            state = states[task.key]
            if outcome.failure:
                self._fail(req, state, outcome.failure)
                continue
            state.probe = outcome.value
            key = probe_key(self.fingerprints[task.key], task.key, self.engine_version)
            self.cache.put_json("probes", key, _probe_to_json(outcome.value))
            self.emit(
                Event(
                    "scene_probed",
                    req.lesson_id,
                    task.key,
                    detail=f"{len(outcome.value.animations)} animations",
                )
            )

    def _results(
        self, tasks: list[Task], dropped: set[str] | None = None
    ) -> Iterator[tuple[Task, Outcome]]:
        """Runs tasks on the workers (connecting only if there are any); skips dropped scenes."""
        if not tasks:
            return
        dispatcher = Dispatcher(self.pools.get())
        dispatcher.submit(tasks)
        for task, outcome in dispatcher.results():
            yield task, outcome
            if dropped:
                dispatcher.drop(lambda t: t.meta.get("scene") in dropped)
            if not self.stopped and self.cancelled():
                self.stopped = True  # tasks already running finish; the queued ones never start
                dispatcher.drop(lambda t: True)

    def _fail(self, req: RenderRequest, state: _SceneState, failure: Failure) -> None:
        if state.status is SceneStatus.FAILED:
            return
        state.failure = failure
        state.move(SceneStatus.FAILED)
        data = {"status": failure.status, "kind": failure.kind}
        self.emit(
            Event("scene_failed", req.lesson_id, state.name, detail=failure.describe(), data=data)
        )

    # -- chunks ------------------------------------------------------------------------------

    def _render_chunks(self, req: RenderRequest, states: dict[str, _SceneState]) -> None:
        probes = [
            s.probe
            for s in states.values()
            if s.probe is not None and s.status is not SceneStatus.FAILED
        ]
        policy = replace(req.policy, workers=self.pools.size)
        chunks = self._plan(req, probes, policy)
        tasks = []
        for chunk in chunks:
            state = states[chunk.scene]
            if state.status is SceneStatus.PROBING:
                state.move(SceneStatus.RENDERING)
            key = chunk_key(self.fingerprints[chunk.scene], chunk, self.engine_version)
            hit = self.cache.get(key) if req.use_cache else None
            if hit is not None:
                self._record(req, state, chunk, key, hit, cached=True)
                continue
            name = f"{req.lesson_id}/{chunk.scene}/chunk-{chunk.index}[{chunk.first}-{chunk.last}]"
            tasks.append(
                Task(
                    key,
                    "render",
                    (self.sources[chunk.scene], chunk),
                    name,
                    weight=chunk.est_frames,
                    timeout_s=self.pools.limits.wall_s + 60,
                    meta={"scene": chunk.scene, "chunk": chunk},
                )
            )
        self.emit(
            Event(
                "chunks_planned",
                req.lesson_id,
                detail=f"{len(chunks)} chunks, {len(chunks) - len(tasks)} cached",
                data={"total": len(chunks), "cached": len(chunks) - len(tasks)},
            )
        )
        dropped: set[str] = set()
        for task, outcome in self._results(tasks, dropped):
            state = states[task.meta["scene"]]
            if outcome.failure:
                self._fail(req, state, outcome.failure)
                dropped.add(state.name)
                continue
            rendered, data = outcome.value
            self._store(req, state, task, rendered, data)

    def _plan(
        self, req: RenderRequest, probes: list[SceneProbe], policy: ChunkPolicy
    ) -> list[ChunkSpec]:
        """The lesson's chunks. An unchanged scene keeps the ranges it had last time: an edit of
        one scene changes the lesson's length, and with it the balanced plan of every scene,
        which would otherwise miss the cache for scenes that did not change. The scenes without
        a plan are balanced among themselves: they are the work this run has to do."""
        if not req.use_cache or policy.target_frames is not None:
            return plan_lesson(probes, req.quality, policy)
        keys = {
            p.name: plan_key(
                self.fingerprints[p.name], p.name, req.quality.value, self.engine_version
            )
            for p in probes
        }
        pinned = {
            p.name: _pinned_chunks(p, req.quality, self.cache.get_plan(keys[p.name]))
            for p in probes
        }
        fresh = plan_lesson([p for p in probes if pinned[p.name] is None], req.quality, policy)
        for probe in probes:
            if pinned[probe.name] is None:
                mine = [[c.first, c.last, c.still_s] for c in fresh if c.scene == probe.name]
                self.cache.put_plan(keys[probe.name], mine)
        by_scene = {
            p.name: pinned[p.name] or [c for c in fresh if c.scene == p.name] for p in probes
        }
        return [chunk for p in probes for chunk in by_scene[p.name]]

    def _store(
        self,
        req: RenderRequest,
        state: _SceneState,
        task: Task,
        rendered: RenderedChunk,
        data: bytes,
    ) -> None:
        info = {
            "frames": rendered.frames,
            "render_s": rendered.render_s,
            "peak_memory_mb": rendered.peak_memory_mb,
        }
        path = self.cache.put(task.key, data, info)
        self._record(req, state, rendered.spec, task.key, (path, info), False, task.attempts)

    def _record(
        self,
        req: RenderRequest,
        state: _SceneState,
        chunk: ChunkSpec,
        key: str,
        stored: tuple[Path, dict[str, Any]],
        cached: bool,
        attempts: int = 0,
    ) -> None:
        if state.status is SceneStatus.FAILED:
            return
        path, info = stored
        report = ChunkReport(
            chunk.first, chunk.last, int(info["frames"]), float(info["render_s"]), cached, attempts
        )
        state.chunks[chunk.index] = report
        state.paths[chunk.index] = path
        state.keys[chunk.index] = key
        self.emit(
            Event(
                "chunk_done",
                req.lesson_id,
                chunk.scene,
                chunk.label,
                detail="cached" if cached else f"{report.render_s:.2f}s",
                data={"cached": cached, "render_s": report.render_s, "frames": report.frames},
            )
        )

    # -- stitching ---------------------------------------------------------------------------

    def _joined(self, parts: list[Path], keys: list[str], dest: Path, use_cache: bool) -> Path:
        """Concatenates parts into dest, reusing an earlier identical join from the cache."""
        key = hashlib.sha256("\n".join(keys).encode()).hexdigest()
        cached = self.cache.joined(key) if use_cache else None
        if cached is None:
            cached = self.cache.put_joined(key, concat(parts, self.cache.scratch(key)))
        return _copy(cached, dest)

    def _stitch(
        self, req: RenderRequest, states: dict[str, _SceneState], started: float
    ) -> LessonReport:
        fps = PRESETS[req.quality].fps
        scene_dir = req.scenes_dir or Path(tempfile.mkdtemp(prefix="scenefarm-scenes-"))
        videos: list[Path] = []
        for i, state in enumerate(states.values()):
            if state.status is SceneStatus.FAILED:
                continue
            parts = [state.paths[k] for k in sorted(state.paths)]
            keys = [state.keys[k] for k in sorted(state.keys)]
            try:
                dest = scene_dir / f"{i + 1:02d}-{state.name}.mp4"
                video = self._joined(parts, keys, dest, req.use_cache)
            except StitchError as e:
                self._fail(req, state, Failure(state.name, "StitchError", str(e), status="error"))
                continue
            state.move(SceneStatus.READY)
            state.video = video
            videos.append(video)
            self.emit(Event("scene_ready", req.lesson_id, state.name))
        report = _report(req, states, fps, started)
        failed = [s for s in states.values() if s.status is SceneStatus.FAILED]
        if failed and not req.allow_partial:
            raise LessonFailed(_failure_message(failed), report)
        if not videos:
            raise LessonFailed("no scene rendered: " + _failure_message(failed), report)
        ready = [s for s in states.values() if s.status is SceneStatus.READY]
        keys = [k for s in ready for k in (s.keys[i] for i in sorted(s.keys))]
        self._joined(videos, keys, req.output, req.use_cache)
        report.video = str(req.output)
        report.totals["wall_s"] = round(time.monotonic() - started, 3)
        self.emit(Event("lesson_ready", req.lesson_id, detail=str(req.output)))
        return report


def _copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.partial")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)
    return dest


def _failure_message(failed: list[_SceneState]) -> str:
    parts = [f"scene {s.name} failed: {s.failure.describe()}" for s in failed if s.failure]
    return "; ".join(parts)


def _report(
    req: RenderRequest, states: dict[str, _SceneState], fps: int, started: float
) -> LessonReport:
    scenes = []
    for state in states.values():
        chunks = [state.chunks[k] for k in sorted(state.chunks)]
        frames = sum(c.frames for c in chunks)
        failure = state.failure
        scenes.append(
            SceneReport(
                state.name,
                frames,
                round(frames / fps, 3),
                chunks,
                failure.describe() if failure else None,
                state.status.value,
                error_status=failure.status if failure else None,
                video=str(state.video) if state.video else None,
            )
        )
    return LessonReport.build(req.lesson_id, scenes, time.monotonic() - started)


def _pinned_chunks(probe: SceneProbe, quality: Quality, raw: Any) -> list[ChunkSpec] | None:
    """Chunks from a stored plan, if it still tiles the scene's animations exactly."""
    if not isinstance(raw, list) or not raw:
        return None
    try:
        ranges = [(int(first), int(last), float(still)) for first, last, still in raw]
    except (TypeError, ValueError):
        return None
    fps = PRESETS[quality].fps
    if probe.is_still:
        if len(ranges) != 1 or ranges[0][:2] != (-1, -1) or ranges[0][2] <= 0:
            return None
        still_s = ranges[0][2]
        return [ChunkSpec(probe.name, 0, -1, -1, max(1, round(still_s * fps)), quality, still_s)]
    expected = 0
    for first, last, _ in ranges:
        if first != expected or last < first:
            return None
        expected = last + 1
    if expected != len(probe.animations):
        return None
    return [
        ChunkSpec(probe.name, i, first, last, probe.frames(fps, first, last), quality)
        for i, (first, last, _) in enumerate(ranges)
    ]


def remember_probe(
    cache: ChunkCache, engine_version: str, source: SceneSource, probe: SceneProbe
) -> None:
    """Stores a probe made elsewhere (lesson generation), so rendering need not probe again."""
    fingerprint = scene_fingerprint(source, probe.name, [probe.name])
    cache.put_json(
        "probes", probe_key(fingerprint, probe.name, engine_version), _probe_to_json(probe)
    )


def _probe_to_json(probe: SceneProbe) -> list[list[Any]]:
    return [[a.run_time_s, list(a.kinds)] for a in probe.animations]


def _probe_from_json(name: str, raw: list[list[Any]]) -> SceneProbe:
    return SceneProbe(
        name, tuple(AnimationInfo(i, float(r), tuple(k)) for i, (r, k) in enumerate(raw))
    )


def lesson_id_for(path: Path) -> str:
    """A scene file's lesson: the same file, edited, is a new version of the same lesson (so an
    edit publishes only the scenes that changed), not a new lesson."""
    return "lesson-" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
