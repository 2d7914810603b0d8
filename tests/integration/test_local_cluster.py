"""The persistent local cluster: reused by the next run, stopped by its idle watchdog."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cluster.farm import ray_head

from .conftest import CLI, SCENES, Farm

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


JOIN_AFTER_IMPORT = """
import sys
from pathlib import Path

import ray  # noqa: F401 (first: Ray reads its multi-node setting when imported)

from cluster.farm import ray_api, ray_head

address = ray_head.running_address(Path(sys.argv[1]))
assert address is not None, "no local head"
print(ray_api.connect(address).get("scenefarm_runner"))
ray_api.disconnect()
"""


def test_a_process_that_imported_ray_first_joins_the_loopback_head(farm: Farm) -> None:
    """Ray decides at import whether a loopback address stays loopback; a driver that imported
    it before finding the local head (a test session that also runs multi-node clusters) once
    knocked on the machine's routable address, where the head does not listen. (It has the
    token in its environment: Ray reads the auth mode at import too, and that part is not
    redone at connect.)"""
    warm = farm.render(SCENES / "broken.py", "First", "--no-cache")
    assert warm.code == 0, warm.stderr[-2000:]
    env = {k: v for k, v in farm.env().items() if k != "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"}
    env |= ray_head.auth_env(farm.data_dir)
    argv = [sys.executable, "-c", JOIN_AFTER_IMPORT, str(farm.data_dir)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert float(done.stdout.strip().splitlines()[-1]) > 0
