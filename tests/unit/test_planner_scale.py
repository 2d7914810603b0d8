"""Chunk planning: the near-linear split makes the plans the dynamic programme made, at any
size of probe."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from itertools import accumulate

import pytest

from renderers import ChunkSpec, SceneProbe, chunking
from renderers.models import AnimationInfo


def dynamic_programme(weights: Sequence[int], count: int) -> list[tuple[int, int]]:
    """The reference: the dynamic programme the planner used before (cubic in the animations)."""
    n = len(weights)
    if n == 0:
        return []
    count = max(1, min(count, n))
    prefix = [0, *accumulate(weights)]
    # best[k][i]: smallest max-sum splitting the first i items into k ranges; cut[k][i]: last cut
    best = [[math.inf] * (n + 1) for _ in range(count + 1)]
    cut = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0
    for k in range(1, count + 1):
        for i in range(k, n + 1):
            for j in range(k - 1, i):
                cost = max(best[k - 1][j], prefix[i] - prefix[j])
                if cost < best[k][i]:
                    best[k][i], cut[k][i] = cost, j
    ranges, end = [], n
    for k in range(count, 0, -1):
        start = cut[k][end]
        ranges.append((start, end - 1))
        end = start
    return ranges[::-1]


@pytest.mark.parametrize("seed", range(40))
def test_balanced_ranges_match_the_dynamic_programme(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    weights = [rng.choice([1, 1, 2, 3, 15, 30, rng.randint(1, 200)]) for _ in range(n)]
    for count in {1, 2, 3, rng.randint(1, n), n, n + 3}:
        assert chunking.balanced_ranges(weights, count) == dynamic_programme(weights, count)


def test_ties_are_broken_as_the_dynamic_programme_breaks_them() -> None:
    for weights in ([5] * 12, [1, 1, 1, 1, 4, 1, 1, 1, 1], [3, 3, 6, 3, 3]):
        for count in range(1, len(weights) + 1):
            assert chunking.balanced_ranges(weights, count) == dynamic_programme(weights, count)


def _probe(seconds: list[float]) -> SceneProbe:
    kinds = ("Create",)
    return SceneProbe("Big", tuple(AnimationInfo(i, s, kinds) for i, s in enumerate(seconds)))


def test_scene_plans_are_the_ones_the_dynamic_programme_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(7)
    probe = _probe([rng.choice([0.2, 0.5, 1.0, 2.0, 3.5]) for _ in range(80)])
    head = ChunkSpec("Big", 0, 0, 4, probe.frames(15, 0, 4), "l")
    targets = (10.0, 45.0, 120.0, 400.0)
    plans = [chunking.plan_scene(probe, "l", t, 1.0) for t in targets]
    scouted = [chunking.plan_scouted(probe, head, t) for t in targets]
    monkeypatch.setattr(chunking, "balanced_ranges", dynamic_programme)
    assert plans == [chunking.plan_scene(probe, "l", t, 1.0) for t in targets]
    assert scouted == [chunking.plan_scouted(probe, head, t) for t in targets]


def test_a_probe_with_many_animations_is_planned_in_balanced_chunks() -> None:
    """20,000 animations (the dynamic programme would take minutes): every animation in
    exactly one chunk, in order, and no chunk much heavier than an even share."""
    probe = _probe([0.5 + (i % 7) * 0.25 for i in range(20_000)])
    chunks = chunking.plan_scene(probe, "l", probe.frames(15) / 8, 1.0)
    assert len(chunks) == 8
    assert [c.first for c in chunks] == [0, *(c.last + 1 for c in chunks[:-1])]
    assert chunks[-1].last == 19_999
    assert sum(c.est_frames for c in chunks) == probe.frames(15)
    assert max(c.est_frames for c in chunks) <= probe.frames(15) / 8 + 30
