"""The persistent local cluster: reused by the next run, stopped by its idle watchdog."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from .conftest import CLI, SCENES

pytestmark = pytest.mark.integration
STARTED = "started a local Ray cluster"


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _processes_with_port(port: str) -> list[int]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        if any(a.endswith((f":{port}", f"={port}")) for a in proc.info["cmdline"] or []):
            found.append(proc.pid)
    return found


def test_cluster_is_reused_then_stops_when_idle(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env |= {"SCENEFARM_DATA_DIR": str(tmp_path / "data"), "SCENEFARM_IDLE_S": "6"}
    render = [
        "render",
        str(SCENES / "broken.py"),
        "First",
        "-o",
        str(tmp_path / "a.mp4"),
        "--no-cache",
    ]
    try:
        first = _cli(env, *render)
        assert first.returncode == 0 and STARTED in first.stderr, first.stderr[-2000:]
        port = (tmp_path / "data" / "ray" / "address").read_text().rpartition(":")[2]
        assert _processes_with_port(port)

        second = _cli(env, *render)
        assert second.returncode == 0 and STARTED not in second.stderr, second.stderr[-2000:]

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "no local cluster" not in _cli(env, "status").stdout:
            time.sleep(1)
        assert "no local cluster" in _cli(env, "status").stdout
        deadline = time.monotonic() + 30  # daemons get a grace period after SIGTERM
        while time.monotonic() < deadline and _processes_with_port(port):
            time.sleep(0.5)
        assert _processes_with_port(port) == []
    finally:
        _cli(env, "down")
