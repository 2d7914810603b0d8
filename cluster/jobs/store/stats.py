"""Counters the lesson runners write and the API's /metrics reads (runners live elsewhere)."""

from __future__ import annotations

from collections import Counter

from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import GuardedRedis, text_map, texts, unavailable_as_error
from sandbox import SandboxStatus

CHUNK_BUCKETS_S = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
# Sandbox results that mean the scene code hit a wall (see sandbox.SandboxStatus).
# Sandbox statuses that mean scene code hit a wall: the sandbox's own, in its order.
VIOLATIONS = tuple(
    s.value for s in SandboxStatus if s not in (SandboxStatus.OK, SandboxStatus.ERROR)
)


class Stats:
    def __init__(self, client: GuardedRedis) -> None:
        self.r = client

    def observe_chunk(self, render_s: float) -> None:
        bucket = next((f"{b:g}" for b in CHUNK_BUCKETS_S if render_s <= b), "+Inf")
        pipe = self.r.pipeline(transaction=True)
        pipe.hincrby(redis_keys.CHUNK_SECONDS, f"le:{bucket}", 1)
        pipe.hincrbyfloat(redis_keys.CHUNK_SECONDS, "sum", render_s)
        pipe.hincrby(redis_keys.CHUNK_SECONDS, "count", 1)
        with unavailable_as_error():
            pipe.execute()

    def chunk_histogram(self) -> tuple[list[tuple[str, int]], float, int]:
        """Cumulative buckets (le, count) ending with +Inf, the sum and the count."""
        raw = text_map(self.r.hgetall(redis_keys.CHUNK_SECONDS))
        running, buckets = 0, []
        for bound in [*(f"{b:g}" for b in CHUNK_BUCKETS_S), "+Inf"]:
            running += int(raw.get(f"le:{bound}", 0))
            buckets.append((bound, running))
        return buckets, float(raw.get("sum", 0.0)), int(raw.get("count", 0))

    def add_violation(self, status: str) -> None:
        self.r.hincrby(redis_keys.VIOLATIONS, status, 1)

    def violations(self) -> dict[str, int]:
        raw = text_map(self.r.hgetall(redis_keys.VIOLATIONS))
        return {k: int(v) for k, v in raw.items()}

    def set_pending(self, lesson_id: str, chunks: int) -> None:
        self.r.hset(redis_keys.PENDING_CHUNKS, lesson_id, max(0, chunks))

    def pending_chunks(self) -> int:
        return sum(int(v) for v in texts(self.r.hvals(redis_keys.PENDING_CHUNKS)))

    def lessons_by_status(self) -> dict[str, int]:
        return dict(Counter(texts(self.r.hvals(redis_keys.STATUSES))))
