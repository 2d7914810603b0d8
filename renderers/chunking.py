"""Chunk planning: split each scene into contiguous animation ranges balanced by frames."""

from __future__ import annotations

import math
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
    return [
        ChunkSpec(
            scene.name, first_index + i, start + a, start + b, sum(weights[a : b + 1]), quality
        )
        for i, (a, b) in enumerate(balanced_ranges(weights, count))
    ]


def balanced_ranges(weights: Sequence[int], count: int) -> list[tuple[int, int]]:
    """Splits weights into `count` contiguous non-empty ranges minimising the largest sum."""
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
