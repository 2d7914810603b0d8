"""Schemathesis fuzzes the OpenAPI document against a real server: no request, valid or not,
may get a 500. Then the server's Redis is stopped: the API answers 503 problem+json, and
recovers when Redis is back.

The server here has its own Redis (REDIS_URL), and Claude at an address where nothing listens
(prompt lessons are accepted, then fail fast); its quotas are small, so fuzzed lessons cost
little.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.jobs.redis_server import ensure_local_redis, stop_local_redis

from .conftest import ApiServer, Key, free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fuzz_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("fuzz-redis")
    ensure_local_redis(home)
    yield home
    stop_local_redis(home)


@pytest.fixture(scope="module")
def fuzzed(
    data_dir: Path, fuzz_redis: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ApiServer, Key]]:
    settings = {
        "REDIS_URL": ensure_local_redis(fuzz_redis)[0],
        "SCENEFARM_QUOTA_LESSONS_PER_DAY": "5",
        "SCENEFARM_QUOTA_CONCURRENT_RENDERS": "1",
        "SCENEFARM_REDIS_TIMEOUT_S": "2",
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{free_port()}",
        "SCENEFARM_CLAUDE_MAX_RETRIES": "0",
    }
    server = ApiServer(data_dir, tmp_path_factory.mktemp("fuzz-logs"), settings).start()
    yield server, server.key("fuzzer")
    server.stop()


ST = str(Path(sys.executable).with_name("st"))


def test_no_request_gets_a_500(fuzzed: tuple[ApiServer, Key], tmp_path: Path) -> None:
    """Schemathesis's own CLI, as CI runs it: examples, coverage, fuzzing and stateful phases,
    valid and invalid data, with a real key (and without: security parameters are fuzzed too).
    Bounded and seeded, so a failure reproduces."""
    server, key = fuzzed
    argv = [
        ST, "run", f"{server.url}/openapi.json",
        "--checks", "not_a_server_error",
        "--max-examples", "30",
        "--seed", "20261123",
        "--workers", "1",
        "--request-timeout", "30",
        "--generation-database", "none",
        "--header", f"Authorization: Bearer {key.key}",
        "--report", "junit", "--report-dir", str(tmp_path),
        "--no-color",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    tested = re.search(r"Tested: (\d+)", done.stdout)
    generated = re.search(r"(\d+) generated", done.stdout)
    assert tested and int(tested.group(1)) >= 11, done.stdout[-3000:]  # every operation
    assert generated and int(generated.group(1)) >= 300, done.stdout[-3000:]


def test_redis_down_is_a_503_and_recovers(fuzzed: tuple[ApiServer, Key], fuzz_redis: Path) -> None:
    server, key = fuzzed
    stop_local_redis(fuzz_redis)
    try:
        down = server.call("GET", "/v1/lessons", key)
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/problem+json"
        assert down.json()["type"] == "urn:scenefarm:problem:service-unavailable"
        assert "Redis" in down.json()["detail"] and down.headers["retry-after"]
        ready = server.call("GET", "/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] != "ok"
        metrics = server.call("GET", "/metrics")
        assert metrics.status_code == 200 and "scenefarm_job_store_up 0.0" in metrics.text
    finally:
        ensure_local_redis(fuzz_redis)  # the same AOF: every key is still there
    deadline = time.monotonic() + 30
    while server.call("GET", "/v1/lessons", key).status_code != 200:
        assert time.monotonic() < deadline, "the API did not recover when Redis came back"
        time.sleep(0.2)
