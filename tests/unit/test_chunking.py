"""renderers.chunking: balanced_ranges, plan_scene, plan_lesson, chunk_cost_s."""

from __future__ import annotations

import itertools
import random

import pytest

from renderers.chunking import (
    FRAME_S,
    ChunkPolicy,
    balanced_ranges,
    chunk_cost_s,
    plan_lesson,
    plan_scene,
)
from renderers.models import AnimationInfo, SceneProbe
from renderers.quality import PRESETS, Quality

FPS = PRESETS[Quality.LOW].fps


def _scene(name: str, run_times: list[float], kinds: tuple[str, ...] = ("FadeIn",)) -> SceneProbe:
    return SceneProbe(name, tuple(AnimationInfo(i, t, kinds) for i, t in enumerate(run_times)))


def _max_sum(weights: list[int], ranges: list[tuple[int, int]]) -> int:
    return max(sum(weights[a : b + 1]) for a, b in ranges)


def _brute_force_best(weights: list[int], count: int) -> int:
    """Smallest possible largest range sum over every split into `count` contiguous ranges."""
    n = len(weights)
    best = None
    for cuts in itertools.combinations(range(1, n), count - 1):
        bounds = [0, *cuts, n]
        worst = max(sum(weights[bounds[i] : bounds[i + 1]]) for i in range(count))
        best = worst if best is None else min(best, worst)
    assert best is not None
    return best


def _assert_partition(ranges: list[tuple[int, int]], n: int) -> None:
    assert ranges[0][0] == 0
    assert ranges[-1][1] == n - 1
    for a, b in ranges:
        assert a <= b, f"empty range {(a, b)} in {ranges}"
    for (_, b), (a2, _) in itertools.pairwise(ranges):
        assert a2 == b + 1, f"ranges not contiguous: {ranges}"
    covered = [i for a, b in ranges for i in range(a, b + 1)]
    assert covered == list(range(n))


# -- balanced_ranges ---------------------------------------------------------------------------


def test_balanced_ranges_known_split() -> None:
    assert balanced_ranges([1, 2, 3, 4, 5], 2) == [(0, 2), (3, 4)]
    assert balanced_ranges([10, 1, 1, 1], 2) == [(0, 0), (1, 3)]


def test_balanced_ranges_count_one_is_whole_range() -> None:
    assert balanced_ranges([4, 2, 7], 1) == [(0, 2)]


def test_balanced_ranges_count_equal_len_gives_singletons() -> None:
    assert balanced_ranges([4, 2, 7, 1], 4) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_balanced_ranges_count_above_len_is_clamped() -> None:
    assert balanced_ranges([4, 2, 7], 10) == [(0, 0), (1, 1), (2, 2)]


def test_balanced_ranges_count_below_one_is_clamped() -> None:
    assert balanced_ranges([4, 2, 7], 0) == [(0, 2)]


def test_balanced_ranges_with_zero_weights_stay_non_empty() -> None:
    ranges = balanced_ranges([0, 0, 0, 0, 5], 3)
    assert len(ranges) == 3
    _assert_partition(ranges, 5)


def test_balanced_ranges_matches_brute_force_on_random_inputs() -> None:
    rng = random.Random(20240601)
    for _ in range(250):
        n = rng.randint(1, 8)
        weights = [rng.randint(1, 40) for _ in range(n)]
        count = rng.randint(1, n)
        ranges = balanced_ranges(weights, count)
        assert len(ranges) == count, (weights, count, ranges)
        _assert_partition(ranges, n)
        assert _max_sum(weights, ranges) == _brute_force_best(weights, count), (
            weights,
            count,
            ranges,
        )


# -- plan_scene --------------------------------------------------------------------------------


def test_plan_scene_still_scene_is_one_held_chunk() -> None:
    chunks = plan_scene(SceneProbe("Title"), Quality.LOW, target_frames=10, still_s=2.0)
    assert len(chunks) == 1
    (chunk,) = chunks
    assert (chunk.scene, chunk.index, chunk.first, chunk.last) == ("Title", 0, -1, -1)
    assert chunk.still_s == 2.0
    assert chunk.est_frames == 2 * FPS
    assert chunk.quality is Quality.LOW


def test_plan_scene_still_scene_has_at_least_one_frame() -> None:
    (chunk,) = plan_scene(SceneProbe("Blink"), Quality.LOW, target_frames=10, still_s=0.0)
    assert chunk.est_frames == 1


def test_plan_scene_only_waits_is_one_chunk() -> None:
    scene = _scene("Pause", [5.0] * 6, kinds=("Wait",))
    chunks = plan_scene(scene, Quality.LOW, target_frames=FPS, still_s=1.0)
    assert len(chunks) == 1
    assert (chunks[0].first, chunks[0].last) == (0, 5)
    assert chunks[0].est_frames == scene.frames(FPS)


def test_plan_scene_waits_mixed_with_animations_is_split() -> None:
    scene = SceneProbe(
        "Mixed",
        tuple(AnimationInfo(i, 5.0, ("Wait",) if i % 2 else ("Write",)) for i in range(6)),
    )
    chunks = plan_scene(scene, Quality.LOW, target_frames=FPS, still_s=1.0)
    assert len(chunks) == 6


def test_plan_scene_single_animation_is_one_chunk() -> None:
    scene = _scene("One", [30.0])
    chunks = plan_scene(scene, Quality.LOW, target_frames=1, still_s=1.0)
    assert len(chunks) == 1
    assert (chunks[0].index, chunks[0].first, chunks[0].last) == (0, 0, 0)
    assert chunks[0].est_frames == 30 * FPS
    assert chunks[0].still_s == 0.0


def test_plan_scene_large_target_gives_one_chunk() -> None:
    scene = _scene("Short", [1.0, 1.0, 1.0])
    chunks = plan_scene(scene, Quality.LOW, target_frames=10_000, still_s=1.0)
    assert [(c.first, c.last) for c in chunks] == [(0, 2)]


@pytest.mark.parametrize("quality", list(Quality))
def test_plan_scene_chunks_are_ordered_and_frames_add_up(quality: Quality) -> None:
    rng = random.Random(7)
    fps = PRESETS[quality].fps
    scene = _scene("Lecture", [rng.choice([0.5, 1.0, 2.0, 3.5]) for _ in range(12)])
    chunks = plan_scene(scene, quality, target_frames=3 * fps, still_s=1.0)
    assert len(chunks) > 1
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.scene == "Lecture" and c.quality is quality for c in chunks)
    _assert_partition([(c.first, c.last) for c in chunks], 12)
    assert sum(c.est_frames for c in chunks) == scene.frames(fps)
    for c in chunks:
        assert c.est_frames == scene.frames(fps, c.first, c.last)


def test_plan_scene_chunk_count_follows_target() -> None:
    scene = _scene("Even", [1.0] * 10)  # 10 * FPS frames
    chunks = plan_scene(scene, Quality.LOW, target_frames=2 * FPS, still_s=1.0)
    assert len(chunks) == 5
    assert all(c.est_frames == 2 * FPS for c in chunks)


# -- plan_lesson -------------------------------------------------------------------------------


def _lesson() -> list[SceneProbe]:
    rng = random.Random(11)
    return [
        _scene("Intro", [rng.uniform(0.2, 3.0) for _ in range(9)]),
        SceneProbe("Card"),
        _scene("Proof", [rng.uniform(0.2, 3.0) for _ in range(14)]),
        _scene("Hold", [2.0, 2.0], kinds=("Wait",)),
        _scene("Outro", [rng.uniform(0.2, 3.0) for _ in range(5)]),
    ]


def test_plan_lesson_more_workers_never_fewer_chunks() -> None:
    scenes = _lesson()
    counts = [
        len(plan_lesson(scenes, Quality.MEDIUM, ChunkPolicy(workers=w))) for w in range(1, 13)
    ]
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]


def test_plan_lesson_keeps_lesson_order() -> None:
    scenes = _lesson()
    chunks = plan_lesson(scenes, Quality.MEDIUM, ChunkPolicy(workers=4))
    names = [c.scene for c in chunks]
    # scenes appear as contiguous runs, in lesson order
    assert [k for k, _ in itertools.groupby(names)] == [s.name for s in scenes]
    fps = PRESETS[Quality.MEDIUM].fps
    for scene in scenes:
        own = [c for c in chunks if c.scene == scene.name]
        assert [c.index for c in own] == list(range(len(own)))
        if scene.is_still:
            assert [(c.first, c.last) for c in own] == [(-1, -1)]
        else:
            _assert_partition([(c.first, c.last) for c in own], len(scene.animations))
            assert sum(c.est_frames for c in own) == scene.frames(fps)


def test_plan_lesson_min_chunk_length_bounds_the_split() -> None:
    # 20 animations of 0.1 s: splitting below min_chunk_s is pointless however many workers
    scene = _scene("Quick", [0.1] * 20)
    policy = ChunkPolicy(workers=100, chunks_per_worker=3, min_chunk_s=1.0)
    chunks = plan_lesson([scene], Quality.MEDIUM, policy)
    assert len(chunks) == 2


def test_plan_lesson_single_worker_uses_chunks_per_worker() -> None:
    scene = _scene("Long", [2.0] * 12)
    chunks = plan_lesson([scene], Quality.LOW, ChunkPolicy(workers=1, chunks_per_worker=3))
    assert len(chunks) == 3


def test_plan_lesson_of_still_scenes_only() -> None:
    chunks = plan_lesson([SceneProbe("A"), SceneProbe("B")], Quality.LOW, ChunkPolicy(workers=8))
    assert [(c.scene, c.first, c.last) for c in chunks] == [("A", -1, -1), ("B", -1, -1)]


def test_plan_lesson_fixed_target_frames_ignores_workers() -> None:
    scene = _scene("Long", [2.0] * 12)  # 12 * 2 * FPS frames
    for workers in (1, 4, 32):
        policy = ChunkPolicy(workers=workers, target_frames=4 * FPS)
        chunks = plan_lesson([scene], Quality.LOW, policy)
        assert [(c.first, c.last) for c in chunks] == [(i, i + 1) for i in range(0, 12, 2)]


# -- chunk_cost_s ------------------------------------------------------------------------------


def _built(build_s: list[float]) -> SceneProbe:
    return SceneProbe(
        "S", tuple(AnimationInfo(i, 1.0, ("FadeIn",), b) for i, b in enumerate(build_s))
    )


def test_chunk_cost_counts_building_through_its_last_animation_and_its_frames() -> None:
    probe = _built([0.1, 0.2, 0.4, 0.8])
    first, second = plan_scene(probe, Quality.LOW, target_frames=2 * FPS, still_s=1.0)
    assert chunk_cost_s(probe, first) == pytest.approx(0.1 + 0.2 + 2 * FPS * FRAME_S)
    assert chunk_cost_s(probe, second) == pytest.approx(1.5 + 2 * FPS * FRAME_S)


def test_chunk_cost_grows_with_the_frame_size() -> None:
    probe = _built([0.0, 0.0])
    low, high = (plan_scene(probe, q, 10_000, 1.0)[0] for q in (Quality.LOW, Quality.HIGH))
    pixels = (1920 * 1080 * 60) / (854 * 480 * 15)  # 4.5x the pixels, 4x the frames
    assert chunk_cost_s(probe, high) == pytest.approx(chunk_cost_s(probe, low) * pixels)


def test_a_still_chunk_costs_building_the_whole_scene() -> None:
    (chunk,) = plan_scene(SceneProbe("Still"), Quality.LOW, target_frames=10, still_s=2.0)
    assert chunk_cost_s(SceneProbe("Still"), chunk) == pytest.approx(2 * FPS * FRAME_S)
