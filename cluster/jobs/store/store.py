"""The job store: one Redis holding lessons, their events, API keys, quotas and counters."""

from __future__ import annotations

from cluster.jobs.store.apikeys import ApiKeys
from cluster.jobs.store.client import GuardedRedis, open_redis
from cluster.jobs.store.events import EventLog
from cluster.jobs.store.lessons import LessonRecords
from cluster.jobs.store.quotas import QuotaLimits, Quotas
from cluster.jobs.store.stats import Stats

EVENTS_MAX_LEN = 10_000


class JobStore:
    def __init__(
        self,
        client: GuardedRedis,
        limits: QuotaLimits | None = None,
        events_max_len: int = EVENTS_MAX_LEN,
    ) -> None:
        self.redis = client
        self.lessons = LessonRecords(client)
        self.events = EventLog(client, events_max_len)
        self.keys = ApiKeys(client)
        self.quotas = Quotas(client, limits or QuotaLimits())
        self.stats = Stats(client)

    def ping(self) -> None:
        """Raises JobStoreUnavailable when Redis does not answer."""
        self.redis.ping()

    def close(self) -> None:
        self.redis.close()


def open_jobstore(
    url: str,
    timeout_s: float = 5.0,
    limits: QuotaLimits | None = None,
    events_max_len: int = EVENTS_MAX_LEN,
) -> JobStore:
    return JobStore(open_redis(url, timeout_s), limits, events_max_len)
