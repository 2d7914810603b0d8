"""Lesson jobs: the Redis job store, the runner actors that do a job outside the API, webhooks
and quotas. Uses `cluster.lessons` and below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cluster.lazy import lazy_exports

if TYPE_CHECKING:
    from cluster.jobs.config import RunnerConfig
    from cluster.jobs.redis_server import ensure_local_redis
    from cluster.jobs.runner import launch, to_launch

_HOMES = {
    "RunnerConfig": "cluster.jobs.config",
    "ensure_local_redis": "cluster.jobs.redis_server",
    "launch": "cluster.jobs.runner",
    "to_launch": "cluster.jobs.runner",
}
__all__ = [
    "RunnerConfig",
    "ensure_local_redis",
    "launch",
    "to_launch",
]
__getattr__ = lazy_exports(__name__, _HOMES)
