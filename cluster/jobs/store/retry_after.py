"""How long a client refused for concurrency should wait: until the first of the owner's
running jobs is expected to end, judged by its progress, not a constant.

A job with chunk progress is expected to take as long again, per chunk left, as its chunks so
far took (from when its runner started). A job without any yet (generating, planning,
probing) is expected to take what recent jobs on this farm took, less what it has run. The
answer is bounded: at least a second, at most five minutes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from cluster.jobs.store.models import LessonJob, Progress

DEFAULT_JOB_S = 15.0  # no finished job to go by: a small lesson's time on a small farm
MIN_S, MAX_S = 1, 300
RECENT_JOBS = 50  # how many finished jobs' durations are kept


def job_left_s(job: LessonJob, progress: Progress, typical_s: float, now: float) -> float:
    started = job.runner_started_at or job.started_at
    elapsed = max(0.0, now - started)
    done = progress.chunks_done + progress.chunks_cached
    if progress.chunks_total > 0 and done > 0:
        return elapsed * (progress.chunks_total - done) / done
    return typical_s - elapsed


def typical_job_s(recent_s: Sequence[float]) -> float:
    return statistics.median(recent_s) if recent_s else DEFAULT_JOB_S


def retry_after_s(lefts: Sequence[float]) -> int:
    """Seconds until the first of these jobs is expected to end, bounded."""
    if not lefts:
        return MIN_S  # nothing running any more: the slot is free now
    return max(MIN_S, min(MAX_S, math.ceil(min(lefts))))
