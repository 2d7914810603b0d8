"""The farm's chunk planner: the same plans as renderers.chunking, at any size of probe."""

from __future__ import annotations

import random

import pytest

from cluster.farm import planner
from renderers import ChunkSpec, SceneProbe
from renderers.chunking import balanced_ranges as dynamic_programme
from renderers.chunking import plan_scene as reference_plan_scene
from renderers.chunking import plan_scouted as reference_plan_scouted
from renderers.models import AnimationInfo


@pytest.mark.parametrize("seed", range(40))
def test_balanced_ranges_match_the_dynamic_programme(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    weights = [rng.choice([1, 1, 2, 3, 15, 30, rng.randint(1, 200)]) for _ in range(n)]
    for count in {1, 2, 3, rng.randint(1, n), n, n + 3}:
        assert planner.balanced_ranges(weights, count) == dynamic_programme(weights, count)


def test_ties_are_broken_as_the_dynamic_programme_breaks_them() -> None:
    for weights in ([5] * 12, [1, 1, 1, 1, 4, 1, 1, 1, 1], [3, 3, 6, 3, 3]):
        for count in range(1, len(weights) + 1):
            assert planner.balanced_ranges(weights, count) == dynamic_programme(weights, count)


def _probe(seconds: list[float]) -> SceneProbe:
    kinds = ("Create",)
    return SceneProbe("Big", tuple(AnimationInfo(i, s, kinds) for i, s in enumerate(seconds)))


def test_scene_plans_match_the_renderers_plans() -> None:
    rng = random.Random(7)
    probe = _probe([rng.choice([0.2, 0.5, 1.0, 2.0, 3.5]) for _ in range(80)])
    for target in (10.0, 45.0, 120.0, 400.0):
        assert planner.plan_scene(probe, "l", target, 1.0) == reference_plan_scene(
            probe, "l", target, 1.0
        )
        head = ChunkSpec("Big", 0, 0, 4, probe.frames(15, 0, 4), "l")
        assert planner.plan_scouted(probe, head, target) == reference_plan_scouted(
            probe, head, target
        )


def test_a_probe_with_many_animations_is_planned_in_balanced_chunks() -> None:
    """20,000 animations (the dynamic programme would take minutes): every animation in
    exactly one chunk, in order, and no chunk much heavier than an even share."""
    probe = _probe([0.5 + (i % 7) * 0.25 for i in range(20_000)])
    chunks = planner.plan_scene(probe, "l", probe.frames(15) / 8, 1.0)
    assert len(chunks) == 8
    assert [c.first for c in chunks] == [0, *(c.last + 1 for c in chunks[:-1])]
    assert chunks[-1].last == 19_999
    assert sum(c.est_frames for c in chunks) == probe.frames(15)
    assert max(c.est_frames for c in chunks) <= probe.frames(15) / 8 + 30
