"""A web scene rendered as frame-range chunks in separate jobs (separate browsers) is frame
for frame the scene rendered in one range; its chunks join Manim chunks by stream copy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from renderers import (
    PRESETS,
    ChunkSpec,
    ManimRenderer,
    Quality,
    SceneSource,
    ScoutSpec,
    concat,
    frame_hashes,
    probe_video,
)
from renderers.mp4join import join
from renderers.web import WebRenderer
from sandbox import Sandbox, SandboxLimits, make_sandbox

from .conftest import SCENES

MOTION = SceneSource("motion.tsx", (SCENES / "motion.tsx").read_text())
TRANSITIONS = SceneSource("transitions.tsx", (SCENES / "transitions.tsx").read_text())
JOIN_QUALITIES = (Quality.LOW, Quality.MEDIUM, Quality.HIGH)
MANIM_SCENE = """
from manim import *

class Ring(Scene):
    def construct(self):
        self.play(Create(Circle(color=YELLOW)), run_time=1)
"""


def _chunk(
    web: WebRenderer,
    sandbox: Sandbox,
    source: SceneSource,
    scene: str,
    seg: tuple[int, int],
    dest: Path,
) -> Path:
    probe = web.probe(sandbox, source, scene)
    spec = ChunkSpec(scene, seg[0], seg[0], seg[1], probe.frames(15, *seg), Quality.LOW)
    dest.mkdir(parents=True, exist_ok=True)
    rendered, path = web.render_chunk(sandbox, source, spec, dest)
    assert rendered.frames == spec.est_frames
    return path


@pytest.mark.parametrize(("source", "scene"), [(MOTION, "Motion"), (TRANSITIONS, "Slides")])
def test_chunks_equal_one_range(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path, source: SceneSource, scene: str
) -> None:
    probe = web.probe(web_sandbox, source, scene)
    last = len(probe.animations) - 1
    assert last >= 1, "the scene must span at least two segments"
    whole = _chunk(web, web_sandbox, source, scene, (0, last), tmp_path / "whole")
    parts = [
        _chunk(web, web_sandbox, source, scene, (i, i), tmp_path / f"part{i}")
        for i in range(last + 1)
    ]
    joined = concat(parts, tmp_path / "joined.mp4")
    expected = frame_hashes(whole)
    assert len(expected) == probe.frames(15)
    assert len(set(expected)) > len(expected) // 2, "the scene should move"
    assert frame_hashes(joined) == expected


def test_a_frame_alone_is_the_frame_in_a_run(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The last frame drawn on its own (a fresh page jumping straight to it) is the same
    picture as after drawing every frame before it: compared through the scene's poster."""
    result, _ = web.render_frames(web_sandbox, MOTION, "Motion", Quality.LOW, (22, 22), tmp_path)
    single = result.outputs["poster.jpg"].read_bytes()
    whole_dir = tmp_path / "whole"
    whole_dir.mkdir()
    result, _ = web.render_frames(web_sandbox, MOTION, "Motion", Quality.LOW, (0, 22), whole_dir)
    assert single and single == result.outputs["poster.jpg"].read_bytes()


@pytest.fixture(scope="module")
def manim_chunks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Quality, Path]]:
    """A one-animation Manim chunk per preset, rendered once in a bwrap sandbox."""
    manim = ManimRenderer()
    sandbox = make_sandbox("bwrap", manim.sandbox_spec(SandboxLimits(), "web-tests"))
    chunks: dict[Quality, Path] = {}
    try:
        for quality in JOIN_QUALITIES:
            frames = PRESETS[quality].fps  # the animation's run time is 1 s
            spec = ChunkSpec("Ring", 0, 0, 0, frames, quality)
            dest = tmp_path_factory.mktemp(f"manim-{quality.value}")
            _, chunks[quality] = manim.render_chunk(
                sandbox, SceneSource("ring.py", MANIM_SCENE), spec, dest
            )
        yield chunks
    finally:
        sandbox.close()


@pytest.mark.parametrize("quality", JOIN_QUALITIES)
def test_web_chunk_joins_a_manim_chunk_by_stream_copy(
    web: WebRenderer,
    web_sandbox: Sandbox,
    manim_chunks: dict[Quality, Path],
    tmp_path: Path,
    quality: Quality,
) -> None:
    """Same codec configuration, timescale and edits at every preset: the web chunk follows
    the Manim chunk in one MP4 without re-encoding (mp4join refuses anything else)."""
    manim_path = manim_chunks[quality]
    fps = PRESETS[quality].fps
    probe = web.probe(web_sandbox, MOTION, "Motion")
    spec = ChunkSpec("Motion", 0, 0, 0, probe.frames(fps, 0, 0), quality)
    (tmp_path / "w").mkdir()
    _, web_path = web.render_chunk(web_sandbox, MOTION, spec, tmp_path / "w")
    out = join([manim_path, web_path], tmp_path / "mixed.mp4")  # raises unless stream-copyable
    assert frame_hashes(out) == frame_hashes(manim_path) + frame_hashes(web_path)
    info = probe_video(out)
    preset = PRESETS[quality]
    assert (info.width, info.height, info.fps, info.pix_fmt) == (
        preset.width,
        preset.height,
        preset.fps,
        "yuv420p",
    )


def test_sandbox_identity_names_its_browser_and_fonts(
    web: WebRenderer, web_sandbox: Sandbox
) -> None:
    identity = web.sandbox_identity(web_sandbox)
    assert re.search(
        r"\|HeadlessChrome/[0-9.]+ chromium-headless-shell\|fonts=[0-9a-f]{16}\|gl=software\|",
        identity,
    )
    assert identity == web.sandbox_identity(web_sandbox)


def test_scout_probes_and_renders_the_first_segments(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    scout = ScoutSpec("Motion", Quality.LOW, budget_frames=15)
    probe, chunk, path = web.scout(web_sandbox, MOTION, scout, tmp_path)
    assert [a.run_time_s for a in probe.animations] == [1.0, 0.5]
    assert (chunk.spec.first, chunk.spec.last, chunk.frames) == (0, 0, 15)
    assert chunk.poster == b""  # the scene goes on after this chunk
    assert len(frame_hashes(path)) == 15
