"""Prometheus metrics: this process's requests, plus the farm's state read from the job store
at scrape time (lesson runners live in other processes and write their counters there)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cluster.jobs.store import JobStore, JobStoreUnavailable
from scenes import LessonStatus


class StoreCollector(Collector):
    def __init__(self, store: JobStore) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("scenefarm_job_store_up", "1 if Redis answered this scrape")
        try:
            metrics = list(self._from_store())
        except JobStoreUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from metrics

    def _from_store(self) -> Iterator[Metric]:
        stats = self.store.stats
        by_status = stats.lessons_by_status()
        lessons = GaugeMetricFamily("scenefarm_lessons", "Lessons by status", labels=["status"])
        for status in LessonStatus:
            lessons.add_metric([status.value], by_status.get(status.value, 0))
        yield lessons
        buckets, total, _count = stats.chunk_histogram()
        chunks = HistogramMetricFamily(
            "scenefarm_chunk_render_seconds", "Time inside the sandbox per rendered chunk"
        )
        chunks.add_metric([], [(le, float(n)) for le, n in buckets], total)
        yield chunks
        depth = GaugeMetricFamily(
            "scenefarm_queue_depth",
            "Work waiting: chunks not yet rendered, lessons queued",
            labels=["kind"],
        )
        depth.add_metric(["chunks"], stats.pending_chunks())
        depth.add_metric(["lessons"], by_status.get(LessonStatus.QUEUED.value, 0))
        yield depth
        violations = CounterMetricFamily(
            "scenefarm_sandbox_violations", "Scene code that hit a sandbox limit", labels=["kind"]
        )
        for kind, n in sorted(stats.violations().items()):
            violations.add_metric([kind], n)
        yield violations


class Metrics:
    """The process's registry: request counters and latencies, and the store's collector."""

    def __init__(self, store: JobStore) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "scenefarm_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "scenefarm_http_request_seconds",
            "Time to the response's start",
            ["method", "route"],
            registry=self.registry,
        )
        self.registry.register(StoreCollector(store))


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """The method as a label value: made-up methods are one `other`, so a client sending
    random ones cannot grow /metrics (and this process's memory) without bound."""
    return method if method in METHODS else "other"


class RequestMetrics:
    """ASGI middleware counting requests by route template (bounded label values)."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                self._observe(scope, status, started)
            await send(message)

        await self.app(scope, receive, sending)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        metrics = self.metrics()
        if metrics is None:
            return
        route = getattr(scope.get("route"), "path", "unmatched")
        method = method_label(str(scope.get("method", "")))
        metrics.requests.labels(method, route, str(status)).inc()
        metrics.latency.labels(method, route).observe(time.monotonic() - started)
