"""Chunk plans made scene by scene, as probes come in, so chunks render before the last probe.

A scene's chunk size depends on the lesson's length, which is only known once every scene is
probed. The planner estimates it: the frames of the scenes probed so far, plus their mean for
each scene still being probed. When every probe is at hand (from the cache), the estimate is
the exact length and the plan is the one `plan_lesson` makes.

An unchanged scene keeps the ranges it had last time (its plan is pinned in the cache): an
edit of one scene changes the lesson's length, and with it the balanced plan of every scene,
which would otherwise miss the cache for scenes that did not change. Pinned scenes are not
work this run has to do, so they do not count towards the length being balanced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cluster.farm.cache import ChunkCache
from renderers import (
    PRESETS,
    ChunkPolicy,
    ChunkSpec,
    Quality,
    SceneProbe,
    chunk_target,
    plan_scene,
    plan_scouted,
    scout_budget,
)


class ScenePlanner:
    def __init__(
        self,
        quality: Quality,
        policy: ChunkPolicy,
        scenes: Iterable[str],
        plans: dict[str, str] | None,
        cache: ChunkCache | None,
    ) -> None:
        """`plans`: each scene's plan key, or None to neither read nor pin plans (no cache)."""
        self.quality = quality
        self.policy = policy
        self.fps = PRESETS[quality].fps
        self.pending = set(scenes)
        self.frames: dict[str, int] = {}  # probed scenes without a pinned plan
        pinning = plans is not None and cache is not None and policy.target_frames is None
        self.cache = cache if pinning else None
        self.keys = plans if pinning and plans is not None else {}
        self.stored: dict[str, Any] = {}
        if self.cache is not None:
            for name in self.pending:
                stored = self.cache.get_plan(self.keys[name])
                if stored is not None:
                    self.stored[name] = stored

    def plan(
        self, probes: Sequence[SceneProbe], heads: Mapping[str, ChunkSpec] | None = None
    ) -> dict[str, list[ChunkSpec]]:
        """Chunks of each probed scene; probes given together are balanced together. A scene
        with a head (the chunk its scout drew) keeps it as its first chunk."""
        heads = heads or {}
        pinned = {p.name: self._pinned(p, heads.get(p.name)) for p in probes}
        for probe in probes:
            self.pending.discard(probe.name)
            if pinned[probe.name] is None:
                self.frames[probe.name] = probe.frames(self.fps)
        return {p.name: pinned[p.name] or self._fresh(p, heads.get(p.name)) for p in probes}

    def scout_budget(self, seconds: Mapping[str, float | None]) -> int | None:
        """Frames each scout draws (see renderers.scout_budget), for scenes not yet probed
        whose lengths are guessed as `seconds`; None when probes should plan them instead:
        too few scenes to keep every worker busy with one each (a lone long scene is split
        from its probe before any of it renders), a fixed chunk size, or no guess at all."""
        slots = self.policy.workers * self.policy.chunks_per_worker
        if self.policy.target_frames is not None or len(seconds) < slots:
            return None
        guesses = [s for s in seconds.values() if s]
        if not guesses:
            return None
        unknown = len(seconds) - len(guesses)
        guessed = (sum(guesses) + sum(guesses) / len(guesses) * unknown) * self.fps
        return scout_budget(sum(self.frames.values()) + guessed, self.quality, self.policy)

    def forget(self, scene: str) -> None:
        """A scene that failed before it was planned: no longer part of the estimate."""
        self.pending.discard(scene)

    def _fresh(self, probe: SceneProbe, head: ChunkSpec | None) -> list[ChunkSpec]:
        target = self._target()
        if head is not None:
            chunks = plan_scouted(probe, head, target)
        else:
            chunks = plan_scene(probe, self.quality, target, self.policy.still_s)
        if self.cache is not None:
            self.cache.put_plan(
                self.keys[probe.name], [[c.first, c.last, c.still_s] for c in chunks]
            )
        return chunks

    def _target(self) -> float:
        known = list(self.frames.values())
        unplanned = [n for n in self.pending if n not in self.stored]
        estimate = sum(known) + (sum(known) / len(known)) * len(unplanned) if known else 0.0
        return chunk_target(estimate, self.quality, self.policy)

    def _pinned(self, probe: SceneProbe, head: ChunkSpec | None) -> list[ChunkSpec] | None:
        if probe.name not in self.stored:
            return None
        chunks = pinned_chunks(probe, self.quality, self.stored[probe.name])
        drawn = None if head is None else (head.first, head.last)
        if chunks and drawn is not None and (chunks[0].first, chunks[0].last) != drawn:
            return None  # its scout drew another range this time: plan around what it drew
        return chunks


def pinned_chunks(probe: SceneProbe, quality: Quality, raw: Any) -> list[ChunkSpec] | None:
    """Chunks from a stored plan, if it still tiles the scene's animations exactly."""
    if not isinstance(raw, list) or not raw:
        return None
    try:
        ranges = [(int(first), int(last), float(still)) for first, last, still in raw]
    except (TypeError, ValueError):
        return None
    fps = PRESETS[quality].fps
    if probe.is_still:
        if len(ranges) != 1 or ranges[0][:2] != (-1, -1) or ranges[0][2] <= 0:
            return None
        still_s = ranges[0][2]
        return [ChunkSpec(probe.name, 0, -1, -1, max(1, round(still_s * fps)), quality, still_s)]
    expected = 0
    for first, last, _ in ranges:
        if first != expected or last < first:
            return None
        expected = last + 1
    if expected != len(probe.animations):
        return None
    return [
        ChunkSpec(probe.name, i, first, last, probe.frames(fps, first, last), quality)
        for i, (first, last, _) in enumerate(ranges)
    ]


# -- balanced plans in near-linear time ------------------------------------------------------
#
