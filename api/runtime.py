"""What a running API process holds: the job store, the Ray connection, storage, the runners'
config, the launcher that starts runners, and a sweep that hands it every job nobody is
starting (queued jobs left by a dead API process, lost runners). Built once at start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field

from api.farm_config import process_environ, runner_config
from api.launcher import Launcher, sweep
from api.settings import Settings
from api.sse import EventStreams
from cluster.delivery.storage import Storage, open_storage
from cluster.farm import ray_api, ray_head
from cluster.jobs.config import RunnerConfig
from cluster.jobs.redis_server import RedisStartError, ensure_local_redis, running_url
from cluster.jobs.store import JobStore, LessonJob, QuotaLimits, open_jobstore
from cluster.jobs.store.live import LiveEvents

log = logging.getLogger(__name__)
SWEEP_S = 10.0
REDIS_CHECK_S = 2.0  # how soon an embedded Redis that died is started again


@dataclass
class Runtime:
    settings: Settings
    store: JobStore
    storage: Storage
    runner: RunnerConfig
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    stop: threading.Event = field(default_factory=threading.Event)
    launcher: Launcher | None = None
    redis_restarts: int = 0
    streams: EventStreams = field(init=False)

    @property
    def generation_enabled(self) -> bool:
        return self.runner.claude is not None

    def launch(self, job: LessonJob) -> None:
        """Starts the job's runner in the background (the sweep covers a dead process)."""
        if self.launcher is not None:
            self.launcher.submit(job)

    def close(self) -> None:
        self.stop.set()
        if self.launcher is not None:
            self.launcher.close()
        self.stack.close()
        self.store.close()

    async def aclose(self) -> None:
        await self.streams.live.close()


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
    runtime.streams = _streams(settings)
    _join_cluster(runtime)
    runtime.launcher = Launcher(store, runner, runtime.stop)
    _sweep(runtime)
    thread = threading.Thread(target=_sweeper, args=(runtime,), name="runner-sweep", daemon=True)
    thread.start()
    if settings.redis_url is None:  # the Redis is ours: keep it up
        watch = threading.Thread(
            target=_keep_redis, args=(runtime,), name="redis-keeper", daemon=True
        )
        watch.start()
    return runtime


def _streams(settings: Settings) -> EventStreams:
    block_ms = int(min(2.0, settings.redis_timeout_s / 2) * 1000)
    # each stream waits on one connection: the pool holds them all, and a few to spare
    live = LiveEvents(
        redis_url(settings), settings.redis_timeout_s, block_ms, settings.sse_max_streams + 16
    )
    return EventStreams(live, block_ms, settings.sse_max_streams_per_key, settings.sse_max_streams)


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
    assert runtime.launcher is not None
    try:
        handed = sweep(runtime.store, runtime.launcher)
    except Exception as e:  # noqa: BLE001 (Redis or Ray hiccups: the next sweep tries again)
        log.warning("runner sweep failed: %s: %s", type(e).__name__, e)
        return
    if handed:
        log.warning("launching runners nobody was starting: %s", ", ".join(handed))


def _keep_redis(runtime: Runtime) -> None:
    """Starts the embedded redis-server again when it stops answering (killed, crashed): it
    reloads its AOF, so nothing acknowledged is lost. `scenefarm down` stops this API first."""
    data_dir = runtime.settings.data_dir
    while not runtime.stop.wait(REDIS_CHECK_S):
        if running_url(data_dir) is not None:
            continue
        try:
            ensure_local_redis(data_dir)
        except RedisStartError as e:
            log.error("the embedded redis could not be restarted: %s", e)
            continue
        runtime.redis_restarts += 1
        log.warning("the embedded redis had stopped; started it again")


def _sweeper(runtime: Runtime) -> None:
    while not runtime.stop.wait(SWEEP_S):
        _sweep(runtime)
