"""Chunk planning: split each scene into contiguous animation ranges balanced by frames."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from renderers.models import ChunkSpec, SceneProbe
from renderers.quality import PRESETS, Quality

# Drawing and encoding one frame of a typical scene at 854x480, measured on this project's
# machines; larger frames cost in proportion to their pixels.
FRAME_S = 0.015
FRAME_PIXELS = 854 * 480
SCOUT_SHARE = 1.5  # see scout_budget


@dataclass(frozen=True)
class ChunkPolicy:
    workers: int = 1
    chunks_per_worker: int = 2  # slack so longest-first scheduling can even out the load
    min_chunk_s: float = 0.5  # below this, start-up overhead outweighs parallelism
    # Nor below this much estimated drawing and encoding (FRAME_S per frame): each chunk pays
    # a fixed ~0.06-0.1 s to fork, rebuild its scene up to its start and start its encoder.
    min_chunk_work_s: float = 0.3
    still_s: float = 1.0  # how long a still scene (no animations) is held
    target_frames: int | None = None  # fixed chunk size; None: balance over the workers

    def __post_init__(self) -> None:
        if self.target_frames is not None and self.target_frames <= 0:
            raise ValueError(f"target_frames must be positive, got {self.target_frames}")


def plan_lesson(
    scenes: Sequence[SceneProbe], quality: Quality, policy: ChunkPolicy
) -> list[ChunkSpec]:
    """All chunks of all scenes, in lesson order."""
    fps = PRESETS[quality].fps
    target = chunk_target(sum(s.frames(fps) for s in scenes), quality, policy)
    chunks: list[ChunkSpec] = []
    for scene in scenes:
        chunks += plan_scene(scene, quality, target, policy.still_s)
    return chunks


def chunk_target(total_frames: float, quality: Quality, policy: ChunkPolicy) -> float:
    """Frames per chunk for a lesson of `total_frames` (or the policy's fixed size)."""
    if policy.target_frames is not None:
        return float(policy.target_frames)
    slots = max(1, policy.workers * policy.chunks_per_worker)
    shortest = max(
        policy.min_chunk_s * PRESETS[quality].fps, policy.min_chunk_work_s / frame_s(quality)
    )
    return max(shortest, total_frames / slots)


def plan_scene(
    scene: SceneProbe, quality: Quality, target_frames: float, still_s: float
) -> list[ChunkSpec]:
    fps = PRESETS[quality].fps
    if scene.is_still:
        return [ChunkSpec(scene.name, 0, -1, -1, max(1, round(still_s * fps)), quality, still_s)]
    return _split(scene, quality, target_frames, 0, 0)


def plan_scouted(scene: SceneProbe, head: ChunkSpec, target_frames: float) -> list[ChunkSpec]:
    """A scouted scene's chunks: the one its scout drew (animations 0..k, or the still clip),
    then the animations after it, balanced as plan_scene balances a whole scene."""
    if head.first < 0 or head.last >= len(scene.animations) - 1:
        return [head]
    return [head, *_split(scene, head.quality, target_frames, head.last + 1, 1)]


def scout_budget(total_frames: float, quality: Quality, policy: ChunkPolicy) -> int:
    """Frames a scout draws before it only probes: a scene that a balanced plan would not
    split (under 1.5 chunk targets) is drawn whole; of a longer one, the rest is planned into
    chunks from what the scout saw."""
    return max(1, round(SCOUT_SHARE * chunk_target(total_frames, quality, policy)))


def _split(
    scene: SceneProbe, quality: Quality, target_frames: float, start: int, first_index: int
) -> list[ChunkSpec]:
    """Animations start.. of a scene in balanced chunks, numbered from first_index."""
    fps = PRESETS[quality].fps
    animations = scene.animations[start:]
    weights = [scene.frames(fps, i, i) for i in range(start, len(scene.animations))]
    only_waits = all(a.kinds == ("Wait",) for a in animations)
    wanted = 1 if only_waits else round(sum(weights) / target_frames)
    count = min(len(weights), max(1, wanted))
    prefix = [0, *accumulate(weights)]
    return [
        ChunkSpec(
            scene.name, first_index + i, start + a, start + b, prefix[b + 1] - prefix[a], quality
        )
        for i, (a, b) in enumerate(balanced_ranges(weights, count))
    ]


def balanced_ranges(weights: Sequence[int], count: int) -> list[tuple[int, int]]:
    """Splits positive weights into `count` contiguous non-empty ranges minimising the largest
    sum, in near-linear time: a binary search on the largest sum, with a greedy check that jumps
    by bisection on prefix sums (a probe may report thousands of animations; the dynamic
    programme this replaces took 5 s of host CPU for 4,000). Among optimal splits, the cuts are
    made from the end at the smallest start that fits, as that programme broke its ties."""
    n = len(weights)
    if n == 0:
        return []
    count = max(1, min(count, n))
    prefix = [0, *accumulate(weights)]
    ranges, end = [], n
    for k in range(count, 0, -1):
        best = _min_largest(prefix, end, k)
        # the programme's cut: the smallest start whose range fits under the optimum (the
        # items before it then fit in k - 1 ranges, since that optimum only grows with them)
        start = max(k - 1, bisect_left(prefix, prefix[end] - best, 0, end))
        ranges.append((start, end - 1))
        end = start
    return ranges[::-1]


def _min_largest(prefix: Sequence[int], end: int, k: int) -> int:
    """The smallest largest-sum splitting items [0, end) into k non-empty ranges."""
    heaviest = max(prefix[i + 1] - prefix[i] for i in range(end))
    if k >= end:
        return heaviest
    low, high = heaviest, prefix[end]
    while low < high:
        middle = (low + high) // 2
        if _ranges_needed(prefix, end, middle, k) <= k:
            high = middle
        else:
            low = middle + 1
    return low


def _ranges_needed(prefix: Sequence[int], end: int, largest: int, limit: int) -> int:
    """Ranges a greedy split of [0, end) under `largest` takes (counting stops past limit)."""
    at, used = 0, 0
    while at < end and used <= limit:
        at = bisect_right(prefix, prefix[at] + largest, at + 1, end + 1) - 1
        used += 1
    return used


def chunk_cost_s(probe: SceneProbe, chunk: ChunkSpec) -> float:
    """Estimated seconds to render a chunk: build the scene through its last animation (as the
    probe measured it), then draw and encode its frames. Orders the work, longest first."""
    last = len(probe.animations) - 1 if chunk.first < 0 else chunk.last
    build_s = sum(a.build_s for a in probe.animations[: last + 1])
    return build_s + chunk.est_frames * frame_s(chunk.quality)


def frame_s(quality: Quality) -> float:
    """Estimated seconds to draw and encode one frame at this quality."""
    preset = PRESETS[quality]
    return FRAME_S * preset.width * preset.height / FRAME_PIXELS
