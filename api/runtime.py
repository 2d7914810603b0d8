"""What a running API process holds: the job store, the Ray connection, storage, the runners'
config, and a sweep that relaunches lost runners. Built once at start-up (the app's lifespan).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field

from api.farm_config import process_environ, runner_config
from api.settings import Settings
from cluster.delivery.storage import Storage, open_storage
from cluster.farm import ray_api, ray_head
from cluster.jobs.config import RunnerConfig
from cluster.jobs.redis_server import ensure_local_redis
from cluster.jobs.runner import relaunch_lost
from cluster.jobs.store import JobStore, QuotaLimits, open_jobstore

log = logging.getLogger(__name__)
SWEEP_S = 30.0


@dataclass
class Runtime:
    settings: Settings
    store: JobStore
    storage: Storage
    runner: RunnerConfig
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def generation_enabled(self) -> bool:
        return self.runner.claude is not None

    def close(self) -> None:
        self.stop.set()
        self.stack.close()
        self.store.close()


def redis_url(settings: Settings) -> str:
    """REDIS_URL, or the embedded redis-server (started if it is not running)."""
    return settings.redis_url or ensure_local_redis(settings.data_dir)[0]


def quota_limits(settings: Settings) -> QuotaLimits:
    return QuotaLimits(
        lessons_per_day=settings.quota_lessons_per_day,
        concurrent_renders=settings.quota_concurrent_renders,
        scenes_per_lesson=settings.quota_scenes_per_lesson,
        video_s_per_day=settings.quota_video_s_per_day,
    )


def open_store(settings: Settings) -> JobStore:
    return open_jobstore(
        redis_url(settings),
        settings.redis_timeout_s,
        quota_limits(settings),
        settings.events_max_len,
    )


def start(settings: Settings) -> Runtime:
    """Connects everything; raises RedisStartError, ClusterStartError, SandboxError, ..."""
    store = open_store(settings)
    store.ping()
    runner = runner_config(settings, redis_url(settings))
    runtime = Runtime(settings, store, open_storage(settings.storage_config()), runner)
    _join_cluster(runtime)
    _sweep(runtime)
    thread = threading.Thread(target=_sweeper, args=(runtime,), name="runner-sweep", daemon=True)
    thread.start()
    return runtime


def _join_cluster(runtime: Runtime) -> None:
    settings = runtime.settings
    address = settings.ray_address
    if address is None:
        cpus = os.cpu_count() or 1
        address, _ = ray_head.ensure_local_cluster(
            settings.data_dir, cpus, settings.idle_s, process_environ()
        )
        # held while serving: the idle watchdog never stops a cluster the API relies on
        runtime.stack.enter_context(ray_head.in_use(settings.data_dir))
    ray_api.connect(address)
    runtime.stack.callback(ray_api.disconnect)


def _sweep(runtime: Runtime) -> None:
    try:
        relaunched = relaunch_lost(runtime.store, runtime.runner)
    except Exception as e:  # Redis or Ray hiccups: the next sweep tries again
        log.warning("runner sweep failed: %s: %s", type(e).__name__, e)
        return
    if relaunched:
        log.warning("relaunched lost lesson runners: %s", ", ".join(relaunched))


def _sweeper(runtime: Runtime) -> None:
    while not runtime.stop.wait(SWEEP_S):
        _sweep(runtime)
