"""The Renderer protocol: what the cluster needs to know about an engine."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from renderers.models import ChunkSpec, RenderedChunk, SceneProbe, SceneSource, ScoutSpec
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

    def scout(
        self, sandbox: Sandbox, source: SceneSource, scout: ScoutSpec, dest_dir: Path
    ) -> tuple[SceneProbe, RenderedChunk, Path]:
        """A scene's probe and its first chunk from one run: the scene drawn from its start
        until `scout.budget_frames` are, the rest only probed. The chunk is the scene's
        animations 0..k (or its still clip); its MP4's path is in dest_dir."""
        ...
