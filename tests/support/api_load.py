"""A bounded load on a running API, over loopback: owners create tiny code lessons, many
clients follow their event streams, and a prober times /healthz and GET /v1/lessons while it
all runs. Shared by bench/bench_api_load.py (prints figures) and the integration test
(asserts correctness, never timings)."""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import requests

FINAL = {"ready", "failed", "cancelled"}


def tiny_scene(name: str, nonce: str) -> dict[str, str]:
    code = (
        "from manim import *\n\n\n"
        f"class {name}(Scene):\n"
        "    def construct(self):\n"
        f"        self.add(Text({nonce!r}[:6]).scale(0.3).to_corner(DL))\n"
        "        self.play(FadeIn(Dot()), run_time=0.3)\n"
    )
    return {"code": code}


@dataclass
class StreamResult:
    lesson_id: str
    ids: list[tuple[int, int]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def complete(self) -> bool:
        return not self.error and bool(self.kinds) and self.kinds[-1].startswith("job_")

    @property
    def increasing(self) -> bool:
        return all(a < b for a, b in zip(self.ids, self.ids[1:], strict=False))


@dataclass
class LoadResult:
    lessons: dict[str, str] = field(default_factory=dict)  # id -> final status ("" if stuck)
    streams: list[StreamResult] = field(default_factory=list)
    healthz_s: list[float] = field(default_factory=list)
    list_s: list[float] = field(default_factory=list)
    create_s: list[float] = field(default_factory=list)
    server_errors: int = 0

    @property
    def lost(self) -> int:
        return sum(1 for s in self.lessons.values() if s not in FINAL)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20)[-1]


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    current: dict[str, str] = {}
    for line in lines:
        if not line:
            if "id" in current:
                yield current["id"], current.get("event", "")
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            current[name] = value


def follow(url: str, key: str, result: StreamResult, timeout_s: float) -> None:
    try:
        with requests.get(
            f"{url}/v1/lessons/{result.lesson_id}/events",
            headers={"Authorization": f"Bearer {key}"},
            stream=True,
            timeout=timeout_s,
        ) as response:
            if response.status_code != 200:
                result.error = f"{response.status_code}: {response.text[:200]}"
                return
            for event_id, kind in _events(response.iter_lines(decode_unicode=True)):
                ms, seq = event_id.split("-")
                result.ids.append((int(ms), int(seq)))
                result.kinds.append(kind)
    except requests.RequestException as e:
        result.error = f"{type(e).__name__}: {e}"


class Prober(threading.Thread):
    """Times /healthz and one owner's GET /v1/lessons, every `every_s`, until stopped."""

    def __init__(self, url: str, key: str, result: LoadResult, every_s: float = 0.1) -> None:
        super().__init__(name="prober", daemon=True)
        self.url, self.key, self.result, self.every_s = url, key, result, every_s
        self.stopped = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.key}"}
        while not self.stopped.wait(self.every_s):
            for path, into, h in (
                ("/healthz", self.result.healthz_s, {}),
                ("/v1/lessons?limit=20", self.result.list_s, headers),
            ):
                started = time.perf_counter()
                response = session.get(self.url + path, headers=h, timeout=60)
                into.append(time.perf_counter() - started)
                self.result.server_errors += response.status_code >= 500


def create(url: str, key: str, index: int, result: LoadResult) -> str:
    body = {"scenes": [tiny_scene(f"Tiny{index}", uuid.uuid4().hex)]}
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex}
    started = time.perf_counter()
    response = requests.post(f"{url}/v1/lessons", json=body, headers=headers, timeout=60)
    result.create_s.append(time.perf_counter() - started)
    if response.status_code == 429:  # the concurrency quota: wait as told, then again
        time.sleep(min(float(response.headers.get("Retry-After", "1")), 2.0))
        return create(url, key, index, result)
    assert response.status_code == 202, response.text
    lesson_id: str = response.json()["id"]
    return lesson_id


def final_status(url: str, key: str, lesson_id: str, deadline: float) -> str:
    headers = {"Authorization": f"Bearer {key}"}
    while time.monotonic() < deadline:
        body: dict[str, Any] = requests.get(
            f"{url}/v1/lessons/{lesson_id}", headers=headers, timeout=60
        ).json()
        job = body.get("job") or {}
        if body.get("status") in FINAL and job.get("state") not in ("queued", "running"):
            return str(body["status"])
        time.sleep(0.5)
    return ""


def run_load(
    url: str, keys: list[str], lessons_per_owner: int, streams: int, timeout_s: float = 600
) -> LoadResult:
    """Every owner creates its lessons at once; `streams` followers are spread over them."""
    result = LoadResult()
    prober = Prober(url, keys[0], result)
    prober.start()
    deadline = time.monotonic() + timeout_s
    owned: list[tuple[str, str]] = []
    lock = threading.Lock()

    def owner(key: str, first: int) -> None:
        for i in range(lessons_per_owner):
            lesson_id = create(url, key, first + i, result)
            with lock:
                owned.append((key, lesson_id))

    creators = [
        threading.Thread(target=owner, args=(k, n * lessons_per_owner)) for n, k in enumerate(keys)
    ]
    followers: list[threading.Thread] = []
    for thread in creators:
        thread.start()
    started_streams = 0
    while started_streams < streams and time.monotonic() < deadline:
        key = keys[started_streams % len(keys)]  # spread evenly: each key has a stream cap
        with lock:
            mine = [lesson for k, lesson in owned if k == key]
        if not mine:
            time.sleep(0.05)
            continue
        stream = StreamResult(mine[(started_streams // len(keys)) % len(mine)])
        result.streams.append(stream)
        follower = threading.Thread(target=follow, args=(url, key, stream, timeout_s), daemon=True)
        follower.start()
        followers.append(follower)
        started_streams += 1
    for thread in creators:
        thread.join()
    for key, lesson_id in owned:
        result.lessons[lesson_id] = final_status(url, key, lesson_id, deadline)
    for follower in followers:
        follower.join(max(1.0, deadline - time.monotonic()))
    prober.stopped.set()
    prober.join()
    return result


def summary(result: LoadResult) -> dict[str, Any]:
    return {
        "lessons": len(result.lessons),
        "ready": sum(1 for s in result.lessons.values() if s == "ready"),
        "lost_or_stuck": result.lost,
        "streams": len(result.streams),
        "streams_complete": sum(s.complete for s in result.streams),
        "streams_increasing": sum(s.increasing for s in result.streams),
        "server_errors": result.server_errors,
        "create_p50_ms": round(statistics.median(result.create_s or [0.0]) * 1000, 1),
        "create_p95_ms": round(p95(result.create_s) * 1000, 1),
        "healthz_p50_ms": round(statistics.median(result.healthz_s or [0.0]) * 1000, 1),
        "healthz_p95_ms": round(p95(result.healthz_s) * 1000, 1),
        "get_p95_ms": round(p95(result.list_s) * 1000, 1),
        "healthz_samples": len(result.healthz_s),
    }


def incomplete(result: LoadResult, limit: int = 5) -> list[dict[str, Any]]:
    """A few streams that did not end with their job's end, for the report."""
    return [
        {"lesson": s.lesson_id, "error": s.error, "events": len(s.kinds), "last": s.kinds[-3:]}
        for s in result.streams
        if not s.complete
    ][:limit]


def dumps(result: LoadResult) -> str:
    return json.dumps({**summary(result), "incomplete": incomplete(result)}, indent=2)
