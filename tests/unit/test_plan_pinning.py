"""Chunk plans are pinned per unchanged scene; the scenes to render are balanced among themselves.

No cluster: the coordinator's planning step only needs the cache and the pool's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cluster.cache import ChunkCache
from cluster.coordinator import Coordinator, RenderRequest
from renderers import AnimationInfo, ChunkPolicy, ChunkSpec, SceneProbe, SceneSource
from sandbox import SandboxLimits


@dataclass
class Pools:
    size: int = 2
    engine_version: str = "manim 0.22.0"
    limits: SandboxLimits = field(default_factory=SandboxLimits)

    def get(self) -> None:
        raise AssertionError("planning must not need a worker")


def probe(name: str, animations: int, seconds: float = 1.0) -> SceneProbe:
    return SceneProbe(name, tuple(AnimationInfo(i, seconds) for i in range(animations)))


def plan(
    cache: ChunkCache, fingerprints: dict[str, str], probes: list[SceneProbe]
) -> list[ChunkSpec]:
    coordinator = Coordinator(Pools(), cache, lambda event: None)
    coordinator.fingerprints = fingerprints
    request = RenderRequest("l", SceneSource("x.py", ""), Path("out.mp4"))
    return coordinator._plan(request, probes, ChunkPolicy(workers=2))


def ranges(chunks: list[ChunkSpec], scene: str) -> list[tuple[int, int]]:
    return [(c.first, c.last) for c in chunks if c.scene == scene]


def test_an_unchanged_scene_keeps_its_ranges_when_another_changes(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    scenes = [probe("A", 6), probe("B", 6), probe("C", 6)]
    first = plan(cache, {"A": "a1", "B": "b1", "C": "c1"}, scenes)
    longer_b = [scenes[0], probe("B", 12, 3.0), scenes[2]]  # B edited: the lesson is longer now
    second = plan(cache, {"A": "a1", "B": "b2", "C": "c1"}, longer_b)
    assert ranges(second, "A") == ranges(first, "A")
    assert ranges(second, "C") == ranges(first, "C")


def test_the_scenes_to_render_are_balanced_among_themselves(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    scenes = [probe(name, 6) for name in "ABCDEFGH"]
    fingerprints = {name: f"{name}1" for name in "ABCDEFGH"}
    whole = plan(cache, fingerprints, scenes)
    assert len(ranges(whole, "D")) == 1  # one of 8 scenes: one chunk in the lesson's plan
    edited = plan(cache, fingerprints | {"D": "D2"}, scenes)
    assert len(ranges(edited, "D")) == 6  # the only scene to render: spread over the workers


def test_a_stored_plan_that_no_longer_tiles_the_scene_is_replanned(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    plan(cache, {"A": "a1", "B": "b1"}, [probe("A", 6), probe("B", 6)])
    shorter = plan(cache, {"A": "a1", "B": "b1"}, [probe("A", 3), probe("B", 6)])
    assert ranges(shorter, "A")[-1][1] == 2  # same fingerprint, fewer animations: not pinned


def test_no_cache_plans_the_whole_lesson_afresh(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    coordinator = Coordinator(Pools(), cache, lambda event: None)
    coordinator.fingerprints = {"A": "a1"}
    request = RenderRequest("l", SceneSource("x.py", ""), Path("o.mp4"), use_cache=False)
    coordinator._plan(request, [probe("A", 6)], ChunkPolicy(workers=2))
    assert not (tmp_path / "plans").exists()
