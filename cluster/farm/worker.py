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
    if engine != "manim":
        raise ValueError(f"unknown engine {engine!r}")
    return ManimRenderer()


class RenderWorker:
    def __init__(self, config: WorkerConfig) -> None:
        self.config = config
        self.renderer = make_renderer(config.engine)
        spec = self.renderer.sandbox_spec(config.limits, config.owner)
        self.sandbox: Sandbox = make_sandbox(
            config.backend, spec, state_root=config.sandbox_root, docker=config.docker
        )
        self.versions: dict[str, str] = {}
        self.prewarmed = False

    def warm(self) -> Outcome:
        """Starts the sandbox (pre-imports the engine) and, once, warms its caches; returns
        pid, backend and versions."""
        try:
            self.versions = self.sandbox.start()
        except SandboxError as e:
            return Outcome(
                failure=Failure("", "SandboxError", str(e), status="sandbox", retryable=True)
            )
        if not self.prewarmed:
            self.prewarmed = True
            try:
                self.renderer.prewarm(self.sandbox)
            except (RenderError, SandboxError) as e:  # only slower without it
                log.warning("prewarm failed", extra={"error": str(e)})
        info = {"pid": os.getpid(), "backend": self.sandbox.backend, **self.versions}
        return Outcome(value=info)

    def list_scenes(self, source: SceneSource) -> Outcome:
        """The value is a SceneList."""
        return self._guarded(source.filename, lambda: self._list(source))

    def _list(self, source: SceneSource) -> SceneList:
        names, engine_version = self.renderer.list_scenes(self.sandbox, source)
        return SceneList(tuple(names), engine_version)

    def probe(self, source: SceneSource, scene: str, layout: bool = False) -> Outcome:
        return self._guarded(
            scene, lambda: self.renderer.probe(self.sandbox, source, scene, layout)
        )

    def render(
        self, source: SceneSource, chunk: ChunkSpec, tex: tuple[tuple[str, str], ...] = ()
    ) -> Outcome:
        """Renders one chunk; the value is a ChunkResult."""
        return self._guarded(chunk.scene, lambda: self._render(source, chunk, tex))

    def scout(self, source: SceneSource, scout: ScoutSpec) -> Outcome:
        """A scene's probe and first chunk from one run; the value is a ScoutResult."""
        return self._guarded(scout.scene, lambda: self._scout(source, scout))

    def _scout(self, source: SceneSource, scout: ScoutSpec) -> ScoutResult:
        with TemporaryDirectory(prefix="scenefarm-chunk-") as tmp:
            probe, rendered, path = self.renderer.scout(self.sandbox, source, scout, Path(tmp))
            return ScoutResult(probe, ChunkResult(rendered, path.read_bytes()))

    def _render(
        self, source: SceneSource, chunk: ChunkSpec, tex: tuple[tuple[str, str], ...]
    ) -> ChunkResult:
        with TemporaryDirectory(prefix="scenefarm-chunk-") as tmp:
            rendered, path = self.renderer.render_chunk(self.sandbox, source, chunk, Path(tmp), tex)
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
