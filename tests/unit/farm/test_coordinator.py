"""The coordinator on a cluster of threads, with scripted workers: what used to be tested
only end to end (probes before chunks, scouts, heaviest first, a failed scene alone, cancel).

Chunks are real MP4s (made once by ffmpeg) so the real cache and stitcher run as they do in a
render; only the sandboxed engine is scripted.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from cluster.farm.cache import ChunkCache
from cluster.farm.coordinator import Coordinator, LessonCancelled, LessonFailed, RenderRequest
from cluster.farm.events import Event
from cluster.farm.pool import WorkerPool
from cluster.farm.thread_cluster import ThreadCluster
from cluster.farm.worker import ChunkResult, Failure, Outcome, ScoutResult, WorkerConfig
from renderers import (
    AnimationInfo,
    ChunkPolicy,
    ChunkSpec,
    RenderedChunk,
    SceneProbe,
    SceneSource,
    ScoutSpec,
    frame_hashes,
)
from sandbox import SandboxLimits

from .scripted import Script

FPS = 15  # quality l


_CLIPS = threading.Lock()  # workers on threads ask for clips at once


def _clip(frames: int, folder: Path) -> bytes:
    with _CLIPS:
        return _made_clip(frames, folder)


@cache
def _made_clip(frames: int, folder: Path) -> bytes:
    """An MP4 of `frames` frames, encoded as every chunk here is (so chunks join)."""
    out = folder / f"clip-{frames}.mp4"
    colour = f"color=c=0x{frames * 9 % 256:02x}4080:s=64x48:r={FPS}"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            colour,
            "-frames:v",
            str(frames),
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
    )
    return out.read_bytes()


@dataclass
class FixedPools:
    pool: WorkerPool
    engine_version: str = "test-engine"
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    asked: int = 0

    @property
    def size(self) -> int:
        return self.pool.size

    def get(self) -> WorkerPool:
        self.asked += 1
        return self.pool


@dataclass
class Scenes:
    """Each scene's animation run times; `broken` scenes fail their probe."""

    seconds: dict[str, list[float]]
    clips: Path
    broken: set[str] = field(default_factory=set)

    def probe(self, source: SceneSource, scene: str, layout: bool = False) -> Outcome:
        if scene in self.broken:
            return Outcome(failure=Failure(scene, "NameError", "name 'x' is not defined", 4))
        animations = tuple(AnimationInfo(i, s) for i, s in enumerate(self.seconds[scene]))
        return Outcome(value=SceneProbe(scene, animations))

    def render(self, source: SceneSource, chunk: ChunkSpec, tex: object = ()) -> Outcome:
        frames = sum(
            round(s * FPS) for s in self.seconds[chunk.scene][chunk.first : chunk.last + 1]
        )
        rendered = RenderedChunk(chunk, frames, 0.01)
        return Outcome(value=ChunkResult(rendered, _clip(frames, self.clips)))

    def scout(self, source: SceneSource, scout: ScoutSpec) -> Outcome:
        probed = self.probe(source, scout.scene)
        if probed.failure:
            return probed
        probe: SceneProbe = probed.value
        last, drawn = 0, 0
        for animation in probe.animations:
            drawn += round(animation.run_time_s * FPS)
            if drawn >= scout.budget_frames:
                break
            last += 1
        last = min(last, len(probe.animations) - 1)
        chunk = ChunkSpec(scout.scene, 0, 0, last, drawn, scout.quality)
        return Outcome(value=ScoutResult(probe, self.render(source, chunk).value))

    def script(self, **gates: threading.Event) -> Script:
        answers: dict[str, Callable[..., Outcome]] = {
            "probe": self.probe,
            "render": self.render,
            "scout": self.scout,
        }
        return Script(answers=answers, gates=dict(gates))


@pytest.fixture
def cluster() -> Iterator[ThreadCluster]:
    made = ThreadCluster()
    yield made
    made.shutdown()


def _request(tmp_path: Path, scenes: list[str], **options: object) -> RenderRequest:
    parts = tuple(
        (
            name,
            SceneSource(
                f"{name}.py",
                f"class {name}(Scene):\n    def construct(self):\n        self.wait(1)\n",
            ),
        )
        for name in scenes
    )
    return RenderRequest("lesson-0123456789ab", None, tmp_path / "out.mp4", parts=parts, **options)  # type: ignore[arg-type]


def _coordinator(
    cluster: ThreadCluster,
    script: Script,
    tmp_path: Path,
    workers: int = 1,
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[Coordinator, list[Event]]:
    pool = WorkerPool(WorkerConfig(), workers, cluster, script.worker_class())
    events: list[Event] = []
    cache_ = ChunkCache(tmp_path / "cache")
    return Coordinator(FixedPools(pool), cache_, events.append, cancelled), events


FIXED = ChunkPolicy(target_frames=15)  # one-second chunks, and no scouts


def test_every_probe_runs_before_any_chunk(cluster: ThreadCluster, tmp_path: Path) -> None:
    scenes = Scenes({"A": [1, 1], "B": [1, 1, 1], "C": [2]}, tmp_path)
    script = scenes.script()
    coordinator, _ = _coordinator(cluster, script, tmp_path)
    report = coordinator.render(_request(tmp_path, ["A", "B", "C"], policy=FIXED))
    methods = script.methods()
    assert methods[:3] == ["probe"] * 3 and set(methods[3:]) == {"render"}
    assert [s.frames for s in report.scenes] == [30, 45, 30]
    assert len(frame_hashes(tmp_path / "out.mp4")) == 105


def test_chunks_run_heaviest_first(cluster: ThreadCluster, tmp_path: Path) -> None:
    scenes = Scenes({"A": [1, 3, 2]}, tmp_path)
    script = scenes.script()
    coordinator, _ = _coordinator(cluster, script, tmp_path)
    coordinator.render(_request(tmp_path, ["A"], policy=ChunkPolicy(target_frames=1)))
    renders = [label for method, label in script.log if method == "render"]
    assert renders == ["A[1-1]", "A[2-2]", "A[0-0]"], renders


def test_many_scenes_are_scouted(cluster: ThreadCluster, tmp_path: Path) -> None:
    scenes = Scenes({n: [1, 1, 1, 1] for n in "ABCD"}, tmp_path)
    script = scenes.script()
    coordinator, _ = _coordinator(cluster, script, tmp_path, workers=1)
    report = coordinator.render(_request(tmp_path, list("ABCD")))
    assert script.methods().count("scout") == 4 and "probe" not in script.methods()
    assert all(s.chunks[0].scouted for s in report.scenes)
    assert len(frame_hashes(tmp_path / "out.mp4")) == 4 * 60


def test_a_failed_scene_does_not_stop_the_others(cluster: ThreadCluster, tmp_path: Path) -> None:
    scenes = Scenes({"A": [1], "B": [1], "C": [1]}, tmp_path, broken={"B"})
    coordinator, events = _coordinator(cluster, scenes.script(), tmp_path)
    with pytest.raises(LessonFailed, match="scene B failed: NameError at line 4") as failed:
        coordinator.render(_request(tmp_path, ["A", "B", "C"], policy=FIXED))
    assert [s.status for s in failed.value.report.scenes] == ["ready", "failed", "ready"]
    partial = coordinator.render(
        _request(tmp_path, ["A", "B", "C"], policy=FIXED, allow_partial=True)
    )
    assert [s.error_status for s in partial.scenes] == [None, "error", None]
    assert len(frame_hashes(tmp_path / "out.mp4")) == 30
    assert [e.scene for e in events if e.kind == "scene_failed"] == ["B", "B"]


def test_cancel_drops_the_chunks_not_yet_started(cluster: ThreadCluster, tmp_path: Path) -> None:
    scenes = Scenes({"A": [1, 1, 1, 1]}, tmp_path)
    gate = threading.Event()
    script = scenes.script(render=gate)
    cancel = threading.Event()
    coordinator, events = _coordinator(cluster, script, tmp_path, cancelled=cancel.is_set)
    request = _request(tmp_path, ["A"], policy=ChunkPolicy(target_frames=1))
    done: list[BaseException] = []

    def render() -> None:
        try:
            coordinator.render(request)
        except LessonCancelled as e:
            done.append(e)

    runner = threading.Thread(target=render)
    runner.start()
    assert script.started.acquire(timeout=30)  # the probe
    assert script.started.acquire(timeout=30)  # the first chunk, held at its gate
    cancel.set()
    gate.set()
    runner.join(timeout=60)
    assert len(done) == 1
    assert script.methods().count("render") == 1  # the other three never started
    assert events[-1].kind == "lesson_cancelled"


def test_a_group_asked_for_a_scene_the_lesson_lacks_is_refused(
    cluster: ThreadCluster, tmp_path: Path
) -> None:
    """`--group Outro=gpu_render` on a lesson without Outro would have rendered nothing on a
    GPU and said nothing: it is an error naming the scene, before any work."""
    scenes = Scenes({"A": [1], "B": [1]}, tmp_path)
    script = scenes.script()
    coordinator, _ = _coordinator(cluster, script, tmp_path)
    request = _request(tmp_path, ["A", "B"], groups=(("A", "cpu_render"), ("Outro", "gpu_render")))
    with pytest.raises(LessonFailed, match=r"asked for Outro, .*\(scenes: A, B\)"):
        coordinator.render(request)
    assert script.methods() == []
    report = coordinator.render(_request(tmp_path, ["A", "B"], groups=(("A", "cpu_render"),)))
    assert [s.status for s in report.scenes] == ["ready", "ready"]
