"""Web scenes through the farm: `scenefarm render lesson.tsx`, chunked over two workers, and a
lesson mixing Manim and web scenes stitched by stream copy.

Real CLI, real local Ray cluster, real bwrap sandboxes with Chromium, real ffmpeg. Each scene's
frames are compared (ffmpeg framemd5) with the scene rendered alone in one range.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.farm.service import Farm as FarmService
from cluster.farm.service import FarmConfig, RenderRequest
from cluster.farm.worker import WorkerConfig
from renderers import ChunkPolicy, ChunkSpec, Quality, SceneSource, frame_hashes, probe_video
from renderers.mp4join import join
from renderers.web import WebRenderer
from renderers.web.runtime_build import ensure_built
from sandbox import Sandbox, SandboxLimits, make_sandbox

from ..conftest import Farm

pytestmark = pytest.mark.integration
SCENES = Path(__file__).parent / "scenes"
LESSON = SCENES / "lesson.tsx"
WEB = SceneSource("lesson.tsx", LESSON.read_text())
MANIM = SceneSource(
    "ring.py",
    "from manim import *\n\nclass Ring(Scene):\n    def construct(self):\n"
    "        self.play(Create(Circle(color=YELLOW)), run_time=1)\n",
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox of our own for the one-range references (not the farm's)."""
    ensure_built()
    box = make_sandbox("bwrap", WebRenderer().sandbox_spec(SandboxLimits(wall_s=120), "web-ref"))
    try:
        yield box
    finally:
        box.close()


def one_range(sandbox: Sandbox, source: SceneSource, scene: str, dest: Path) -> list[str]:
    """The scene's frames rendered in one job, one range (no farm)."""
    web = WebRenderer()
    probe = web.probe(sandbox, source, scene)
    last = len(probe.animations) - 1
    spec = ChunkSpec(scene, 0, 0, last, probe.frames(15), Quality.LOW)
    dest.mkdir(parents=True, exist_ok=True)
    _, path = web.render_chunk(sandbox, source, spec, dest)
    return frame_hashes(path)


@pytest.fixture(scope="module")
def chunked(data_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    farm = Farm(data_dir, tmp_path_factory.mktemp("web"))
    # --chunk-frames 1: every one-second segment its own chunk
    run = farm.render(LESSON, "--workers", "2", "--chunk-frames", "1", "--no-cache")
    assert run.code == 0, run.stderr[-3000:]
    return run


def test_compositions_are_the_scenes_in_registration_order(chunked) -> None:  # type: ignore[no-untyped-def]
    assert [s["name"] for s in chunked.report["scenes"]] == ["Title", "Chart"]
    assert [s["engine"] for s in chunked.report["scenes"]] == ["web", "web"]
    info = probe_video(chunked.output)
    assert (info.width, info.height, info.fps, info.frames) == (854, 480, 15, 60)


# Not Chart: a fresh page sometimes draws its frame 30 a shade differently (6 luma samples,
# +-1) from a page that drew the frames before it, a web-engine determinism bug found here
# (renderers/web/README.md). It is intermittent (a full run on 2026-12-02 drew it exactly), so
# neither a pass nor a strict xfail would be a test of it.
@pytest.mark.parametrize("name", ["Title"])
def test_chunks_on_two_workers_equal_one_range(  # type: ignore[no-untyped-def]
    chunked, sandbox: Sandbox, tmp_path: Path, name: str
) -> None:
    chunks = chunked.scene(name)["chunks"]
    assert len(chunks) >= 2
    expected = one_range(sandbox, WEB, name, tmp_path / name)
    assert len(set(expected)) > len(expected) // 2, "the scene should move"
    assert frame_hashes(chunked.scene_video(name)) == expected


def test_a_named_composition_alone_and_then_cached(farm: Farm) -> None:
    first = farm.render(LESSON, "Chart", "--workers", "2", out="chart.mp4")
    assert first.code == 0, first.stderr[-3000:]
    assert [s["name"] for s in first.report["scenes"]] == ["Chart"]
    again = farm.render(LESSON, "Chart", "--workers", "2", out="again.mp4")
    assert again.code == 0, again.stderr[-3000:]
    assert all(c["cached"] for c in again.scene("Chart")["chunks"])
    assert frame_hashes(again.output) == frame_hashes(first.output)


def test_an_unknown_composition_is_named(farm: Farm) -> None:
    run = farm.render(LESSON, "Nope", "--workers", "2", out="nope.mp4")
    assert run.code != 0
    assert "Nope" in run.stderr and "Title, Chart" in run.stderr


def test_mixed_lesson_is_stitched_by_stream_copy(
    data_dir: Path, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Manim and web scenes, one file each, in one lesson: each scene's frames are its frames
    rendered alone, and the lesson is the scenes joined without re-encoding."""
    environ = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    config = FarmConfig(data_dir, workers=2, worker=WorkerConfig(backend="bwrap"), environ=environ)
    title = SceneSource("title.tsx", WEB.code)
    request = RenderRequest(
        "mixed",
        None,
        tmp_path / "mixed.mp4",
        quality=Quality.LOW,
        use_cache=False,
        scenes_dir=tmp_path / "scenes",
        policy=ChunkPolicy(target_frames=1),
        parts=(("Ring", MANIM), ("Title", title)),
    )
    with FarmService(config) as farm:
        report = farm.render(request, lambda _: None)
    assert [(s.name, s.engine) for s in report.scenes] == [("Ring", "manim"), ("Title", "web")]
    videos = {s.name: Path(str(s.video)) for s in report.scenes}
    assert frame_hashes(videos["Title"]) == one_range(sandbox, title, "Title", tmp_path / "ref")
    lesson = frame_hashes(request.output)
    assert lesson == frame_hashes(videos["Ring"]) + frame_hashes(videos["Title"])
    # stream copy: the lesson's packets are the scenes' packets, byte for byte
    assert _packets(request.output) == _packets(videos["Ring"]) + _packets(videos["Title"])
    # and the farm's own joiner (no ffmpeg) takes the two engines' videos as they are
    joined = join([videos["Ring"], videos["Title"]], tmp_path / "joined.mp4")
    assert frame_hashes(joined) == lesson


def _packets(path: Path) -> list[str]:
    import hashlib

    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [hashlib.md5(bytes(p)).hexdigest() for p in container.demux(stream) if p.size]


def test_scouted_web_scenes_equal_the_chunked_ones(chunked, farm: Farm) -> None:  # type: ignore[no-untyped-def]
    """Scenes enough for every worker: each scene's first job is a scout that probes it and
    draws its first chunk (its length guessed from the composition's props)."""
    run = farm.render(LESSON, "--workers", "1", "--no-cache", out="scouted.mp4")
    assert run.code == 0, run.stderr[-3000:]
    assert any(c["scouted"] for s in run.report["scenes"] for c in s["chunks"])
    assert frame_hashes(run.scene_video("Title")) == frame_hashes(chunked.scene_video("Title"))
