"""Per-owner quotas: lessons and seconds of video per UTC day (counters that expire), and
scenes per lesson. Concurrent renders are claimed with the job itself (LessonRecords.begin)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import GuardedRedis, maybe_text, unavailable_as_error
from cluster.jobs.store.errors import QuotaExceeded

DAY_S = 86_400


@dataclass(frozen=True)
class QuotaLimits:
    lessons_per_day: int = 50
    concurrent_renders: int = 2
    scenes_per_lesson: int = 12
    video_s_per_day: float = 1800.0


def day_of(now: float) -> str:
    return time.strftime("%Y%m%d", time.gmtime(now))


def until_tomorrow_s(now: float) -> int:
    return int(DAY_S - now % DAY_S) + 1


class Quotas:
    def __init__(self, client: GuardedRedis, limits: QuotaLimits) -> None:
        self.r = client
        self.limits = limits

    def take_lesson(self, owner: str, now: float | None = None) -> None:
        """Counts one lesson for today; QuotaExceeded (and nothing counted) past the limit."""
        now = time.time() if now is None else now
        key = redis_keys.quota(owner, "lessons", day_of(now))
        pipe = self.r.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, 2 * DAY_S)
        with unavailable_as_error():
            count = int(pipe.execute()[0])
        if count > self.limits.lessons_per_day:
            self.r.decr(key)
            raise QuotaExceeded(
                f"at most {self.limits.lessons_per_day} lessons a day", until_tomorrow_s(now)
            )

    def give_back_lesson(self, owner: str, now: float | None = None) -> None:
        """Undoes take_lesson when the lesson could not be created after all."""
        now = time.time() if now is None else now
        self.r.decr(redis_keys.quota(owner, "lessons", day_of(now)))

    def check_video(self, owner: str, now: float | None = None) -> None:
        """QuotaExceeded when today's seconds of rendered video are used up."""
        now = time.time() if now is None else now
        used = float(maybe_text(self.r.get(redis_keys.quota(owner, "video_s", day_of(now)))) or 0.0)
        if used >= self.limits.video_s_per_day:
            raise QuotaExceeded(
                f"at most {self.limits.video_s_per_day:g} s of video a day "
                f"({used:.1f} s rendered today)",
                until_tomorrow_s(now),
            )

    def add_video(self, owner: str, seconds: float, now: float | None = None) -> None:
        now = time.time() if now is None else now
        key = redis_keys.quota(owner, "video_s", day_of(now))
        pipe = self.r.pipeline(transaction=True)
        pipe.incrbyfloat(key, seconds)
        pipe.expire(key, 2 * DAY_S)
        with unavailable_as_error():
            pipe.execute()

    def check_scenes(self, count: int) -> None:
        if count > self.limits.scenes_per_lesson:
            raise QuotaExceeded(
                f"at most {self.limits.scenes_per_lesson} scenes per lesson, {count} asked for",
                DAY_S,
            )
