"""Chunk plans, made scene by scene as probes come in (cluster.farm.planner.ScenePlanner).

Plans are pinned per unchanged scene; the scenes to render are balanced among themselves; a
scene planned before the others are probed is sized from an estimate of the lesson's length.
No cluster: planning only needs the cache.
"""

from __future__ import annotations

from pathlib import Path

from cluster.farm.cache import ChunkCache
from cluster.farm.planner import ScenePlanner
from renderers import AnimationInfo, ChunkPolicy, ChunkSpec, Quality, SceneProbe, plan_lesson

POLICY = ChunkPolicy(workers=2)
SLOTS = POLICY.workers * POLICY.chunks_per_worker  # chunks one scene alone is cut into


def probe(name: str, animations: int, seconds: float = 1.0) -> SceneProbe:
    return SceneProbe(name, tuple(AnimationInfo(i, seconds) for i in range(animations)))


def planner(cache: ChunkCache | None, fingerprints: dict[str, str]) -> ScenePlanner:
    keys = {name: f"{name}-{fp}" for name, fp in fingerprints.items()}
    return ScenePlanner(Quality.LOW, POLICY, fingerprints, keys if cache else None, cache)


def plan(
    cache: ChunkCache, fingerprints: dict[str, str], probes: list[SceneProbe]
) -> list[ChunkSpec]:
    """The whole lesson planned at once, as when every probe comes from the cache."""
    plans = planner(cache, fingerprints).plan(probes)
    return [chunk for p in probes for chunk in plans[p.name]]


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
    assert len(ranges(edited, "D")) == SLOTS  # the only scene to render: over the workers


def test_an_edited_scene_probed_last_is_still_spread_over_the_workers(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    fingerprints = {name: f"{name}1" for name in "ABCD"}
    plan(cache, fingerprints, [probe(name, 6) for name in "ABCD"])
    streaming = planner(cache, fingerprints | {"C": "C2"})
    for name in "ABD":  # the unchanged scenes' probes come first (from the cache)
        streaming.plan([probe(name, 6)])
    assert len(streaming.plan([probe("C", 6)])["C"]) == SLOTS


def test_a_stored_plan_that_no_longer_tiles_the_scene_is_replanned(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    plan(cache, {"A": "a1", "B": "b1"}, [probe("A", 6), probe("B", 6)])
    shorter = plan(cache, {"A": "a1", "B": "b1"}, [probe("A", 3), probe("B", 6)])
    assert ranges(shorter, "A")[-1][1] == 2  # same fingerprint, fewer animations: not pinned


def test_no_cache_plans_the_whole_lesson_afresh(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    ScenePlanner(Quality.LOW, POLICY, ["A"], None, cache).plan([probe("A", 6)])
    assert not (tmp_path / "plans").exists()


def test_probes_planned_together_match_the_whole_lesson_plan() -> None:
    scenes = [probe("A", 4), probe("B", 9, 2.0), probe("C", 1), probe("D", 7, 0.5)]
    together = planner(None, {s.name: "x" for s in scenes}).plan(scenes)
    assert [c for s in scenes for c in together[s.name]] == plan_lesson(scenes, Quality.LOW, POLICY)


def test_a_scene_planned_early_is_sized_from_the_lesson_estimate() -> None:
    """One scene of four probed: the other three are taken to be as long as it is."""
    first, *rest = [probe(name, 12) for name in "ABCD"]
    early = planner(None, {name: "x" for name in "ABCD"}).plan([first])["A"]
    whole = plan_lesson([first, *rest], Quality.LOW, POLICY)
    assert ranges(early, "A") == ranges(whole, "A")


def test_a_scene_that_failed_no_longer_counts_towards_the_estimate() -> None:
    streaming = planner(None, {name: "x" for name in "AB"})
    streaming.forget("B")  # its probe failed: the lesson is A alone
    alone = streaming.plan([probe("A", 12)])["A"]
    assert len(alone) == SLOTS  # A is all the work there is: spread over the workers
