"""What an operator sees: a killed embedded Redis is started again by the API that owns it
(and `status` says so), `status` names the Ray dashboard's real URL and the API servers, and
SIGTERM drains `serve` without a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from cluster.farm.ray_head import dashboard_url
from cluster.jobs.redis_server import redis_dir

from ..conftest import CLI
from .conftest import ApiServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """An API alone on its data dir, so the embedded Redis it restarts is its own: the session's
    shared API (same data dir, same Redis) would otherwise race it to the restart."""
    data_dir = tmp_path_factory.mktemp("operator-data")
    server = ApiServer(data_dir, tmp_path_factory.mktemp("operator-logs")).start()
    try:
        yield server
    finally:
        server.stop()
        down = [CLI, "down"]
        subprocess.run(down, env=server.env(), capture_output=True, timeout=120, check=False)


def _status(server: ApiServer) -> str:
    done = subprocess.run(
        [CLI, "status"], env=server.env(), capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def _redis_pid(data_dir: Path) -> int:
    return int((redis_dir(data_dir) / "redis.pid").read_text())


def test_a_killed_embedded_redis_is_started_again(server: ApiServer) -> None:
    key = server.key("keeper")
    killed = _redis_pid(server.data_dir)
    os.kill(killed, signal.SIGKILL)
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(killed).wait(10)
    deadline = time.monotonic() + 60
    while server.call("GET", "/v1/lessons", key).status_code != 200:
        assert time.monotonic() < deadline, server.logs()
        time.sleep(0.2)
    assert _redis_pid(server.data_dir) != killed
    assert "embedded redis running at unix://" in _status(server)
    assert "started it again" in server.logs()


def test_status_names_the_dashboard_and_the_api_server(server: ApiServer) -> None:
    out = _status(server)
    url = dashboard_url(server.data_dir)
    assert f"Ray dashboard {url}\n" in out, out  # answering there: no "(not answering)"
    assert requests.get(url, timeout=10).status_code == 200
    assert f"API server running at http://127.0.0.1:{server.port}" in out, out


def test_sigterm_drains_without_a_traceback(server: ApiServer) -> None:
    assert server.proc is not None
    server.stop(signal.SIGTERM)
    # uvicorn drains, then ends by the signal it was sent (as a shell expects of SIGTERM)
    assert server.proc.returncode in (0, -signal.SIGTERM), server.logs()
    assert "Application shutdown complete" in server.logs()
    assert "Traceback" not in server.logs(), server.logs()
    assert f"http://127.0.0.1:{server.port}" not in _status(server)
    server.start()  # the module's fixture stops it again
