"""The render worker: a warm sandbox plus an engine, wrapped as a Ray actor by the pool.

Plain Python (no ray import). Scene failures come back as data (`Outcome.failure`) so they
cross the Ray boundary typed; only a broken worker process surfaces as a Ray error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from cluster.farm import logs
from renderers import (
    ChunkSpec,
    ManimRenderer,
    RenderedChunk,
    Renderer,
    RenderError,
    SceneProbe,
    SceneSource,
    ScoutSpec,
)
from renderers.engines import MANIM, WEB, check_engine, engine_of
from renderers.errors import SceneCodeError
from sandbox import DockerOptions, Sandbox, SandboxError, SandboxLimits, make_sandbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    backend: str = "auto"
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    docker: DockerOptions = field(default_factory=DockerOptions)
    owner: str = "local"
    engine: str = "manim"
    # Where this farm's sandboxes keep their state (it names the farm, so cleanup touches only
    # its own); None: the node's default. The local head's farm sets its data dir's.
    sandbox_root: Path | None = None
    log_format: str = "text"  # cluster.farm.logs.FORMATS

    def digest(self) -> str:
        """Names the worker pool: a new config or new code never reuses stale warm workers."""
        raw = json.dumps({**asdict(self), "code": code_digest()}, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:10]


def code_digest() -> str:
    """SHA-256 over the code a worker runs (sandbox, renderers, cluster), guest side included."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for package in ("sandbox", "renderers", "cluster"):
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Failure:
    """Why a task failed. `retryable` failures are the infrastructure's, not the scene's."""

    scene: str
    kind: str
    message: str
    line: int | None = None
    status: str = "error"
    retryable: bool = False
    traceback: str = ""  # the tail of the scene's traceback, for repair prompts

    def describe(self) -> str:
        where = f" at line {self.line}" if self.line else ""
        return f"{self.kind}{where}: {self.message}"


@dataclass(frozen=True)
class Outcome:
    """A task's result: its value (one of the result types below, or `warm`'s info), or why
    it failed."""

    value: Any = None
    failure: Failure | None = None


@dataclass(frozen=True)
class SceneList:
    """`list_scenes`: the Scene classes a file defines, in definition order."""

    names: tuple[str, ...]
    engine_version: str = ""


@dataclass(frozen=True)
class ChunkResult:
    """`render`: a chunk as its sandbox wrote it (checked on the host), and its MP4 bytes."""

    rendered: RenderedChunk
    data: bytes


@dataclass(frozen=True)
class ScoutResult:
    """`scout`: a scene's probe, and its first chunk as the same run drew it."""

    probe: SceneProbe
    head: ChunkResult


def make_renderer(engine: str) -> Renderer:
    check_engine(engine)
    if engine == WEB:
        from renderers.web import WebRenderer  # only workers that meet a web scene load it

        return WebRenderer()
    return ManimRenderer()


@dataclass
class Engine:
    """One engine on a worker: its renderer and its own warm sandbox."""

    renderer: Renderer
    sandbox: Sandbox
    prewarmed: bool = False
    identity: str = ""  # the web engine's cache identity, once asked (one job)


class RenderWorker:
    """A worker holds one renderer and warm sandbox per engine, each made on the first task
    of its engine: a worker that only ever sees Manim scenes never starts a browser's."""

    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        logs.configure_unset(config.log_format)
        self.engines: dict[str, Engine] = {}
        self.versions: dict[str, str] = {}
        self._engine(config.engine)  # the default engine's sandbox is made (not started) now

    @property
    def renderer(self) -> Renderer:
        return self.engines[self.config.engine].renderer

    @property
    def sandbox(self) -> Sandbox:
        return self.engines[self.config.engine].sandbox

    def _engine(self, engine: str) -> Engine:
        found = self.engines.get(engine)
        if found is None:
            renderer = make_renderer(engine)
            spec = renderer.sandbox_spec(self.config.limits, self.config.owner)
            sandbox = make_sandbox(
                self.config.backend,
                spec,
                state_root=self.config.sandbox_root,
                docker=self.config.docker,
            )
            found = self.engines[engine] = Engine(renderer, sandbox)
        return found

    def _for(self, source: SceneSource) -> Engine:
        """The engine of a scene's file (its sandbox starts on its first job), warmed once."""
        engine = self._engine(engine_of(source))
        self._prewarm(engine)
        return engine

    def warm(self) -> Outcome:
        """Starts the default engine's sandbox (pre-imports the engine) and, once, warms its
        caches; returns pid, backend and versions."""
        try:
            self.versions = self.sandbox.start()
        except SandboxError as e:
            return Outcome(
                failure=Failure("", "SandboxError", str(e), status="sandbox", retryable=True)
            )
        self._prewarm(self.engines[self.config.engine])
        info = {"pid": os.getpid(), "backend": self.sandbox.backend, **self.versions}
        return Outcome(value=info)

    @staticmethod
    def _prewarm(engine: Engine) -> None:
        if engine.prewarmed:
            return
        engine.prewarmed = True
        try:
            engine.renderer.prewarm(engine.sandbox)
        except (RenderError, SandboxError) as e:  # only slower without it
            log.warning("prewarm failed", extra={"error": str(e)})

    def engine_version(self, engine: str) -> Outcome:
        """The value is what `engine`'s chunks depend on besides their code, as this worker
        draws them: Manim's version, or the web engine's identity (runtime, browser, fonts,
        GL mode: one job, asked once per worker)."""
        return self._guarded("", lambda: self._engine_version(check_engine(engine)))

    def _engine_version(self, engine: str) -> str:
        if engine == MANIM:
            found = self._engine(MANIM)
            return str(found.sandbox.start().get("manim", ""))
        found = self._for(SceneSource("identity.tsx", ""))
        if not found.identity:
            identity = getattr(found.renderer, "sandbox_identity", None)
            assert identity is not None, "the web renderer names its identity"
            try:
                found.identity = str(identity(found.sandbox))
            except SceneCodeError as e:
                # our own one-line scene: its failure is the sandbox's (a browser or container
                # that died starting), so it is retried like one, on a restarted sandbox
                raise SandboxError(f"the web engine's identity job failed: {e.message}") from e
        return found.identity

    def list_scenes(self, source: SceneSource) -> Outcome:
        """The value is a SceneList."""
        return self._guarded(source.filename, lambda: self._list(source))

    def _list(self, source: SceneSource) -> SceneList:
        engine = self._for(source)
        names, engine_version = engine.renderer.list_scenes(engine.sandbox, source)
        return SceneList(tuple(names), engine_version)

    def probe(self, source: SceneSource, scene: str, layout: bool = False) -> Outcome:
        def work() -> SceneProbe:
            engine = self._for(source)
            return engine.renderer.probe(engine.sandbox, source, scene, layout)

        return self._guarded(scene, work)

    def render(
        self, source: SceneSource, chunk: ChunkSpec, tex: tuple[tuple[str, str], ...] = ()
    ) -> Outcome:
        """Renders one chunk; the value is a ChunkResult."""
        return self._guarded(chunk.scene, lambda: self._render(source, chunk, tex))

    def scout(self, source: SceneSource, scout: ScoutSpec) -> Outcome:
        """A scene's probe and first chunk from one run; the value is a ScoutResult."""
        return self._guarded(scout.scene, lambda: self._scout(source, scout))

    def _scout(self, source: SceneSource, scout: ScoutSpec) -> ScoutResult:
        engine = self._for(source)
        with TemporaryDirectory(prefix="scenefarm-chunk-") as tmp:
            probe, rendered, path = engine.renderer.scout(engine.sandbox, source, scout, Path(tmp))
            return ScoutResult(probe, ChunkResult(rendered, path.read_bytes()))

    def _render(
        self, source: SceneSource, chunk: ChunkSpec, tex: tuple[tuple[str, str], ...]
    ) -> ChunkResult:
        engine = self._for(source)
        with TemporaryDirectory(prefix="scenefarm-chunk-") as tmp:
            rendered, path = engine.renderer.render_chunk(
                engine.sandbox, source, chunk, Path(tmp), tex
            )
            return ChunkResult(rendered, path.read_bytes())

    def _guarded(self, scene: str, work: Any) -> Outcome:
        try:
            return Outcome(value=work())
        except SceneCodeError as e:
            failure = Failure(scene, e.kind, e.message, e.line, e.status, traceback=e.traceback)
            return Outcome(failure=failure)
        except RenderError as e:
            return Outcome(
                failure=Failure(scene, type(e).__name__, str(e), status="output_rejected")
            )
        except SandboxError as e:
            log.warning("sandbox failure", extra={"scene": scene, "error": str(e)})
            return Outcome(
                failure=Failure(scene, "SandboxError", str(e), status="sandbox", retryable=True)
            )
