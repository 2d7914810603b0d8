"""One lesson's render, from its scene list to its stitched video: the object that holds the
request, the scenes' states, the stitcher and the scene dir while the render runs.

Probes and chunks are one stream of tasks on the workers: probes first, and each scene's
chunks as soon as its probe is in, heaviest first; a scene is stitched as soon as its last
chunk is in. With scenes enough to keep every worker busy, a scene's probe is a scout: one
run that draws the scene's first chunk and probes the rest. A scene that fails does not stop
the others; the lesson then fails naming it, unless a partial video was asked for.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from cluster.farm.cache import ChunkCache
from cluster.farm.events import Event, EventKind
from cluster.farm.planner import ScenePlanner
from cluster.farm.pool import Dispatcher, Task, WorkerPool
from cluster.farm.probe_codec import probe_from_json, probe_to_json
from cluster.farm.render_request import LessonCancelled, LessonFailed, RenderRequest
from cluster.farm.report import ChunkReport, LessonReport, SceneReport
from cluster.farm.scene_state import ChunkIn, SceneState
from cluster.farm.worker import ChunkResult, Failure, Outcome, ScoutResult
from renderers import (
    PRESETS,
    ChunkSpec,
    SceneProbe,
    SceneSource,
    ScoutSpec,
    StitchError,
    chunk_cost_s,
    chunk_key,
    concat,
    extract_poster,
    file_key,
    plan_key,
    probe_key,
    scene_fingerprint,
    scene_seconds,
)
from renderers.engines import MANIM, engine_of
from renderers.estimate import web_scene_seconds
from renderers.files import atomic_copy
from sandbox import SandboxLimits
from scenes import SceneStatus


class Pools(Protocol):
    """Workers on demand: nothing is connected or started until `get()` is called."""

    @property
    def size(self) -> int: ...

    @property
    def engine_version(self) -> str: ...

    @property
    def limits(self) -> SandboxLimits: ...

    def get(self) -> WorkerPool: ...


PROBE_WEIGHT = float("inf")  # probes go before any chunk: each one lets more chunks start
SCOUT_WEIGHT = 1e9  # scouts too, the longest guessed first (plus their guessed seconds)


PROBE_WEIGHT = float("inf")  # probes go before any chunk: each one lets more chunks start
SCOUT_WEIGHT = 1e9  # scouts too, the longest guessed first (plus their guessed seconds)


class LessonRender:
    """Renders `req` once: `run()` returns its report or raises LessonFailed/LessonCancelled."""

    def __init__(
        self,
        pools: Pools,
        cache: ChunkCache,
        emit: Callable[[Event], None],
        cancelled: Callable[[], bool],
        req: RenderRequest,
    ) -> None:
        self.pools = pools
        self.cache = cache
        self.emit = emit
        self.cancelled = cancelled  # asked between results: a cancel drops the queued tasks
        self.req = req
        self.stopped = False
        self._versions: dict[str, str] = {}  # engine -> its version, asked once
        self.phases: dict[str, float] = {}
        self.fingerprints: dict[str, str] = {}
        self.sources: dict[str, SceneSource] = {}
        self.states: dict[str, SceneState] = {}
        self._scene_dir = Path()

    def run(self) -> LessonReport:
        started = time.monotonic()
        names = self._scene_names()
        self._check_groups(names)
        self.states = {n: SceneState(n, i) for i, n in enumerate(names)}
        self.emit(
            Event(EventKind.LESSON_STARTED, self.req.lesson_id, detail=f"{len(names)} scenes")
        )
        phases = {"list_s": time.monotonic() - started}
        self._scene_dir = self.req.scenes_dir or Path(tempfile.mkdtemp(prefix="scenefarm-scenes-"))
        self._stop_if_cancelled()
        with ThreadPoolExecutor(1, thread_name_prefix="scenefarm-stitch") as self._stitcher:
            phases |= self._probe_and_render()
            mark = time.monotonic()
            self._stop_if_cancelled()
            try:
                return self._stitch(started)
            finally:
                phases["stitch_s"] = time.monotonic() - mark
                self.phases = {k: round(v, 3) for k, v in phases.items()}

    def _stop_if_cancelled(self) -> None:
        if self.stopped or self.cancelled():
            self.emit(
                Event(EventKind.LESSON_CANCELLED, self.req.lesson_id, detail="render stopped")
            )
            raise LessonCancelled(f"lesson {self.req.lesson_id} was cancelled")

    # -- scenes ------------------------------------------------------------------------------

    @property
    def engine_version(self) -> str:
        """The Manim version (the version of a lesson's Python scenes)."""
        return self._version(MANIM)

    def _version(self, engine: str) -> str:
        """What an engine's chunks depend on besides their code, for the cache keys: the
        pool's Manim version, or the web engine's identity (asked of a worker, once)."""
        found = self._versions.get(engine)
        if found is None:
            found = self._versions[engine] = (
                self.pools.engine_version if engine == MANIM else self._ask_version(engine)
            )
        return found

    def _ask_version(self, engine: str) -> str:
        name = f"{self.req.lesson_id}/version/{engine}"
        outcome = self._run_one(Task(f"version/{engine}", "engine_version", (engine,), name))
        if outcome.failure:
            message = f"the {engine} engine is not available: {outcome.failure.describe()}"
            raise LessonFailed(message, LessonReport.empty(self.req.lesson_id))
        return str(outcome.value)

    def engine_of(self, scene: str) -> str:
        return engine_of(self.sources[scene])

    def _scene_version(self, scene: str) -> str:
        return self._version(self.engine_of(scene))

    def _scene_names(self) -> list[str]:
        if self.req.parts:
            self.sources = dict(self.req.parts)
            self.fingerprints = {n: scene_fingerprint(s, n, [n]) for n, s in self.req.parts}
            return [name for name, _ in self.req.parts]
        assert self.req.source is not None
        return self._file_scene_names(self.req.source)

    def _check_groups(self, names: list[str]) -> None:
        """A worker group asked for a scene this lesson does not render is a mistake to say,
        not to ignore (the scene would render in the default group)."""
        stray = [scene for scene, _ in self.req.groups if scene not in names]
        if stray:
            message = (
                f"a worker group is asked for {', '.join(stray)}, which this lesson does not"
                f" render (scenes: {', '.join(names) or 'none'})"
            )
            raise LessonFailed(message, LessonReport.empty(self.req.lesson_id))

    def _file_scene_names(self, source: SceneSource) -> list[str]:
        key = file_key(source, self._version(engine_of(source)))
        names = self.cache.get_json("scene-lists", key) if self.req.use_cache else None
        if names is None:
            outcome = self._run_one(
                Task("list", "list_scenes", (source,), f"{self.req.lesson_id}/list")
            )
            if outcome.failure:
                failure = outcome.failure
                report = LessonReport.empty(self.req.lesson_id)
                raise LessonFailed(f"{source.filename}: {failure.describe()}", report)
            names = list(outcome.value.names)
            self.cache.put_json("scene-lists", key, names)
        self.fingerprints = {n: scene_fingerprint(source, n, names) for n in names}
        self.sources = dict.fromkeys(names, source)
        if not self.req.scenes:
            if not names:
                raise LessonFailed(
                    f"{source.filename} defines no Scene", LessonReport.empty(self.req.lesson_id)
                )
            return list(names)
        unknown = [s for s in self.req.scenes if s not in names]
        if unknown:
            known = ", ".join(names) or "none"
            message = f"no scene named {', '.join(unknown)} in {source.filename} (scenes: {known})"
            raise LessonFailed(message, LessonReport.empty(self.req.lesson_id))
        return list(self.req.scenes)

    def _run_one(self, task: Task) -> Outcome:
        dispatcher = Dispatcher(self.pools.get())
        dispatcher.submit([task])
        for _, outcome in dispatcher.results():
            return outcome
        raise RuntimeError("dispatcher returned no result")

    def _probe_and_render(self) -> dict[str, float]:
        """Probes and renders every scene; returns how long until the last probe was in, and
        the rest. A scene's chunks go to the workers as soon as its probe is in."""
        mark = time.monotonic()
        planner = self._planner()
        for state in self.states.values():
            state.move(SceneStatus.PROBING)
            self._cached_probe(state)
        ready = [s.probe for s in self.states.values() if s.probe is not None]
        chunks = self._chunk_tasks(planner.plan(ready))
        probes = self._probe_tasks([s for s in self.states.values() if s.probe is None], planner)
        probing = {t.key for t in probes}
        probed_at = mark if not probing else 0.0
        if not probing:
            self._planned()
        dropped: set[str] = set()
        for task, outcome, dispatcher in self._results([*probes, *chunks], dropped):
            state = self.states[task.meta["scene"]]
            if task.method == "render":
                self._rendered(state, task, outcome, dropped)
                continue
            probing.discard(task.key)
            dispatcher.submit(self._after_probe(task, outcome, planner))
            if not probing and not probed_at:
                probed_at = time.monotonic()
                self._planned()
        probed_at = probed_at or time.monotonic()
        return {"probe_s": probed_at - mark, "render_s": time.monotonic() - probed_at}

    def _probe_tasks(self, unprobed: list[SceneState], planner: ScenePlanner) -> list[Task]:
        """A probe for each scene not probed yet or, when there are scenes enough to keep every
        worker busy, a scout: the scene's first chunk drawn and the rest probed, in one run."""
        seconds = self._guessed_seconds([s.name for s in unprobed])
        budget = planner.scout_budget(seconds)
        if budget is None:
            return [self._probe_task(state) for state in unprobed]
        return [self._scout_task(s, budget, seconds[s.name] or 0.0) for s in unprobed]

    def _guessed_seconds(self, scenes: list[str]) -> dict[str, float | None]:
        """Each scene's length guessed from its source (a scheduling hint only)."""
        by_source: dict[SceneSource, list[str]] = {}
        for scene in scenes:
            by_source.setdefault(self.sources[scene], []).append(scene)
        guesses: dict[str, float | None] = {}
        for source, names in by_source.items():
            guess = web_scene_seconds if engine_of(source) != MANIM else scene_seconds
            guesses |= guess(source.code, names)
        return guesses

    def _after_probe(
        self,
        task: Task,
        outcome: Outcome,
        planner: ScenePlanner,
    ) -> list[Task]:
        """The chunk tasks a probe (or scout) that came in makes possible."""
        state = self.states[task.meta["scene"]]
        head: ChunkResult | None = None
        if task.method == "scout" and outcome.failure is None:
            scouted: ScoutResult = outcome.value
            outcome, head = Outcome(value=scouted.probe), scouted.head
        if not self._probed(state, outcome, planner) or self.stopped:
            return []
        assert state.probe is not None
        if head is None:
            return self._chunk_tasks(planner.plan([state.probe]))
        plan = planner.plan([state.probe], {state.name: head.rendered.spec})
        return self._chunk_tasks(plan, {state.name: (head, task)})

    def _planner(self) -> ScenePlanner:
        policy = replace(self.req.policy, workers=self.pools.size)
        keys = {
            name: plan_key(
                self.fingerprints[name], name, self.req.quality.value, self._scene_version(name)
            )
            for name in self.states
        }
        return ScenePlanner(
            self.req.quality, policy, self.states, keys if self.req.use_cache else None, self.cache
        )

    def _cached_probe(self, state: SceneState) -> bool:
        """Takes the scene's probe from the cache, if there; says whether it was."""
        key = probe_key(self.fingerprints[state.name], state.name, self._scene_version(state.name))
        cached = self.cache.get_json("probes", key) if self.req.use_cache else None
        try:
            state.probe = probe_from_json(state.name, cached) if cached is not None else None
        except (KeyError, TypeError, ValueError):  # an entry this version cannot read: a miss
            state.probe = None
        if state.probe is None:
            return False
        self.emit(Event(EventKind.SCENE_PROBED, self.req.lesson_id, state.name, detail="cached"))
        return True

    def _probe_task(self, state: SceneState) -> Task:
        return Task(
            state.name,
            "probe",
            (self.sources[state.name], state.name),
            f"{self.req.lesson_id}/{state.name}/probe",
            weight=PROBE_WEIGHT,
            meta={"scene": state.name},
            group=self.req.group_of(state.name),
        )

    def _scout_task(self, state: SceneState, budget: int, guessed_s: float) -> Task:
        scout = ScoutSpec(state.name, self.req.quality, budget, self.req.policy.still_s)
        return Task(
            state.name,
            "scout",
            (self.sources[state.name], scout),
            f"{self.req.lesson_id}/{state.name}/scout",
            weight=SCOUT_WEIGHT + guessed_s,
            timeout_s=self.pools.limits.wall_s + 60,
            meta={"scene": state.name},
            group=self.req.group_of(state.name),  # it draws the scene's first chunk
        )

    def _probed(self, state: SceneState, outcome: Outcome, planner: ScenePlanner) -> bool:
        if outcome.failure:
            planner.forget(state.name)
            self._fail(state, outcome.failure)
            return False
        state.probe = outcome.value
        key = probe_key(self.fingerprints[state.name], state.name, self._scene_version(state.name))
        self.cache.put_json("probes", key, probe_to_json(outcome.value))
        animations = len(outcome.value.animations)
        self.emit(
            Event(
                EventKind.SCENE_PROBED,
                self.req.lesson_id,
                state.name,
                detail=f"{animations} animations",
            )
        )
        return True

    def _results(
        self, tasks: list[Task], dropped: set[str]
    ) -> Iterator[tuple[Task, Outcome, Dispatcher]]:
        """Runs tasks on the workers (connecting only if there are any); skips dropped scenes.
        Each result comes with the dispatcher, to which more tasks can be submitted."""
        if not tasks:
            return
        dispatcher = Dispatcher(self.pools.get())
        dispatcher.submit(tasks)
        for task, outcome in dispatcher.results():
            yield task, outcome, dispatcher
            if dropped:
                dispatcher.drop(lambda t: t.meta.get("scene") in dropped)
            if not self.stopped and self.cancelled():
                self.stopped = True  # tasks already running finish; the queued ones never start
                dispatcher.drop(lambda _: True)

    def _fail(self, state: SceneState, failure: Failure) -> None:
        if state.status is SceneStatus.FAILED:
            return
        state.failure = failure
        state.move(SceneStatus.FAILED)
        data = {"status": failure.status, "kind": failure.kind}
        self.emit(
            Event(
                EventKind.SCENE_FAILED,
                self.req.lesson_id,
                state.name,
                detail=failure.describe(),
                data=data,
            )
        )

    # -- chunks ------------------------------------------------------------------------------

    def _chunk_tasks(
        self,
        plans: dict[str, list[ChunkSpec]],
        drawn: Mapping[str, tuple[ChunkResult, Task]] | None = None,
    ) -> list[Task]:
        """Tasks for the planned chunks not in the cache; cached ones are recorded at once.
        `drawn`: per scouted scene, its first chunk as its scout drew it (with the scout's
        task), stored here rather than looked up or rendered."""
        drawn = drawn or {}
        tasks = []
        for scene, chunks in plans.items():
            state = self.states[scene]
            state.planned = len(chunks)
            state.move(SceneStatus.RENDERING)
            engine = self._device_engine(scene)
            keys = [chunk_key(self.fingerprints[scene], c, engine) for c in chunks]
            head = drawn.get(scene)
            hits = [
                self.cache.get(key) if self.req.use_cache and (head is None or i > 0) else None
                for i, key in enumerate(keys)
            ]
            cached = sum(hit is not None for hit in hits)
            data = {"chunks": len(chunks), "cached": cached}
            detail = f"{len(chunks)} chunks, {cached} cached"
            self.emit(
                Event(EventKind.SCENE_PLANNED, self.req.lesson_id, scene, detail=detail, data=data)
            )
            for chunk, key, hit in zip(chunks, keys, hits, strict=True):
                if head is not None and chunk.index == 0:
                    self._store(state, key, *head, scouted=True)
                elif hit is None:
                    assert state.probe is not None
                    tasks.append(self._render_task(state.probe, chunk, key))
                else:
                    group = self.req.group_of(scene)
                    self._record(state, ChunkIn(chunk, key, *hit, cached=True, group=group))
        return tasks

    def _device_engine(self, scene: str) -> str:
        """The engine and the device class a scene's chunks are drawn on, for their cache
        keys: rasterisers of different devices do not draw identical frames."""
        return f"{self._scene_version(scene)} on {self.req.group_of(scene)}"

    def _render_task(self, probe: SceneProbe, chunk: ChunkSpec, key: str) -> Task:
        return Task(
            key,
            "render",
            (self.sources[chunk.scene], chunk, probe.tex),
            f"{self.req.lesson_id}/{chunk.scene}/chunk-{chunk.index}[{chunk.first}-{chunk.last}]",
            weight=chunk_cost_s(probe, chunk),
            timeout_s=self.pools.limits.wall_s + 60,
            meta={"scene": chunk.scene, "chunk": chunk},
            group=self.req.group_of(chunk.scene),
        )

    def _planned(self) -> None:
        """Every probe is in: the lesson's whole plan is known."""
        planned = [s for s in self.states.values() if s.status is not SceneStatus.FAILED]
        total = sum(s.planned for s in planned)
        cached = sum(c.cached for s in planned for c in s.chunks.values())
        self.emit(
            Event(
                EventKind.CHUNKS_PLANNED,
                self.req.lesson_id,
                detail=f"{total} chunks, {cached} cached",
                data={"total": total, "cached": cached},
            )
        )

    def _rendered(
        self,
        state: SceneState,
        task: Task,
        outcome: Outcome,
        dropped: set[str],
    ) -> None:
        if outcome.failure:
            self._fail(state, outcome.failure)
            dropped.add(state.name)
            return
        self._store(state, task.key, outcome.value, task)

    def _store(
        self, state: SceneState, key: str, done: ChunkResult, task: Task, scouted: bool = False
    ) -> None:
        """Caches a chunk that came back from a worker (its bytes in the result: nothing is
        read from the worker's disk, which may be another node's)."""
        rendered = done.rendered
        info = {
            "frames": rendered.frames,
            "render_s": rendered.render_s,
            "peak_memory_mb": rendered.peak_memory_mb,
        }
        path = self.cache.put(key, done.data, info, rendered.poster)
        ran = task.meta
        came = ChunkIn(rendered.spec, key, path, info, False, task.attempts, scouted)
        self._record(state, replace(came, group=ran.get("group"), node=ran.get("node")))

    def _record(self, state: SceneState, came: ChunkIn) -> None:
        if state.status is SceneStatus.FAILED:
            return
        chunk, cached = came.spec, came.cached
        frames, render_s = int(came.info["frames"]), float(came.info["render_s"])
        report = ChunkReport(
            chunk.first,
            chunk.last,
            frames,
            render_s,
            cached,
            came.attempts,
            came.scouted,
            came.group,
            came.node,
        )
        state.chunks[chunk.index] = report
        state.paths[chunk.index] = came.path
        state.keys[chunk.index] = came.key
        self.emit(
            Event(
                EventKind.CHUNK_DONE,
                self.req.lesson_id,
                chunk.scene,
                chunk.label,
                detail="cached" if cached else f"{report.render_s:.2f}s",
                data={
                    "cached": cached,
                    "render_s": report.render_s,
                    "frames": report.frames,
                    "group": report.group,
                    "node": report.node,
                },
            )
        )
        if len(state.chunks) == state.planned:
            self._join_soon(state)

    # -- stitching ---------------------------------------------------------------------------

    def _join_soon(self, state: SceneState) -> None:
        """Stitches a scene whose chunks are all in, while the other scenes still render."""
        parts = [state.paths[k] for k in sorted(state.paths)]
        keys = [state.keys[k] for k in sorted(state.keys)]
        dest = self._scene_dir / f"{state.index + 1:02d}-{state.name}.mp4"
        state.joining = self._stitcher.submit(self._scene_video, parts, keys, dest)

    def _scene_video(
        self, parts: list[Path], keys: list[str], dest: Path
    ) -> tuple[Path, Path | None]:
        """The scene's video in dest and, if asked for, its poster (made here, while other
        scenes still render, rather than when the lesson is published)."""
        video, key = self._joined(parts, keys, dest, self.req.use_cache)
        if not self.req.posters:
            return video, None
        poster = self.cache.joined_poster(key)
        if poster.is_file():
            return video, poster
        drawn = self.cache.chunk_poster(parts[-1])  # made by the job that drew the last frame
        if drawn is not None:
            return video, atomic_copy(drawn, poster)
        try:
            extract_poster(video, poster)
        except StitchError:  # publishing tries again, and says why if it fails too
            return video, None
        return video, poster

    def _joined(
        self, parts: list[Path], keys: list[str], dest: Path, use_cache: bool
    ) -> tuple[Path, str]:
        """Concatenates parts into dest, reusing an earlier identical join from the cache;
        returns dest and the join's cache key."""
        key = hashlib.sha256("\n".join(keys).encode()).hexdigest()
        cached = self.cache.joined(key) if use_cache else None
        if cached is None:
            cached = self.cache.put_joined(key, concat(parts, self.cache.scratch(key)))
        return atomic_copy(cached, dest), key

    def _stitch(self, started: float) -> LessonReport:
        fps = PRESETS[self.req.quality].fps
        videos: list[Path] = []
        for state in self.states.values():
            if state.status is SceneStatus.FAILED:
                continue
            if state.joining is None:  # every chunk in, so never: a lost join is a bug
                raise RuntimeError(f"scene {state.name} was never stitched")
            try:
                video, state.poster = state.joining.result()
            except StitchError as e:
                self._fail(state, Failure(state.name, "StitchError", str(e), status="error"))
                continue
            state.move(SceneStatus.READY)
            state.video = video
            videos.append(video)
            self.emit(Event(EventKind.SCENE_READY, self.req.lesson_id, state.name))
        engines = {name: self.engine_of(name) for name in self.states}
        report = _report(self.req, self.states, engines, fps, started)
        failed = [s for s in self.states.values() if s.status is SceneStatus.FAILED]
        if failed and not self.req.allow_partial:
            raise LessonFailed(_failure_message(failed), report)
        if not videos:
            raise LessonFailed("no scene rendered: " + _failure_message(failed), report)
        ready = [s for s in self.states.values() if s.status is SceneStatus.READY]
        keys = [k for s in ready for k in (s.keys[i] for i in sorted(s.keys))]
        self._joined(videos, keys, self.req.output, self.req.use_cache)
        report.video = str(self.req.output)
        report.totals["wall_s"] = round(time.monotonic() - started, 3)
        self.emit(Event(EventKind.LESSON_READY, self.req.lesson_id, detail=str(self.req.output)))
        return report


def _failure_message(failed: list[SceneState]) -> str:
    parts = [f"scene {s.name} failed: {s.failure.describe()}" for s in failed if s.failure]
    return "; ".join(parts)


def _report(
    req: RenderRequest,
    states: dict[str, SceneState],
    engines: dict[str, str],
    fps: int,
    started: float,
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
                poster=str(state.poster) if state.poster else None,
                engine=engines[state.name],
            )
        )
    return LessonReport.build(req.lesson_id, scenes, time.monotonic() - started)
