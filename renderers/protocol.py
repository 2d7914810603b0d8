"""The Renderer protocol: what the cluster needs to know about an engine."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from renderers.models import ChunkSpec, RenderedChunk, SceneProbe, SceneSource
from sandbox import Sandbox, SandboxLimits, SandboxSpec


class Renderer(Protocol):
    engine: str

    def sandbox_spec(self, limits: SandboxLimits, owner: str) -> SandboxSpec:
        """The warm sandbox this engine wants (pre-imported modules, guest code)."""
        ...

    def prewarm(self, sandbox: Sandbox) -> None:
        """Fills a new sandbox's caches with what most lessons need (best effort)."""
        ...

    def list_scenes(self, sandbox: Sandbox, source: SceneSource) -> tuple[list[str], str]:
        """Scene names in definition order, and the engine's version."""
        ...

    def probe(
        self, sandbox: Sandbox, source: SceneSource, scene: str, layout: bool = False
    ) -> SceneProbe: ...

    def render_chunk(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        chunk: ChunkSpec,
        dest_dir: Path,
        tex: tuple[tuple[str, str], ...] = (),
    ) -> tuple[RenderedChunk, Path]:
        """Renders one chunk; returns its description and the MP4's path in dest_dir. `tex`:
        the scene's TeX as its probe compiled it (SceneProbe.tex)."""
        ...
