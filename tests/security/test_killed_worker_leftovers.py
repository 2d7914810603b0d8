"""A killed worker's sandbox leaves its state dir (with its tmpfs mounts and the owner's files),
its cgroup and, on docker, its container (exited once its attach client is gone). The farm's
reaper removes all of it, and only its own farm's (issue 21, items 4 and 9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sandbox import farm_id, reap_farm
from sandbox.docker import FARM_LABEL, LABEL, docker_ready

pytestmark = pytest.mark.integration
START = """
import sys, time
from pathlib import Path
from sandbox import SandboxSpec, make_sandbox
box = make_sandbox(sys.argv[1], SandboxSpec(owner="killed"), state_root=Path(sys.argv[2]))
box.start()
print("started", flush=True)
time.sleep(600)
"""


def _mounts_under(root: Path) -> list[str]:
    text = Path("/proc/self/mountinfo").read_text()
    return [line.split()[4] for line in text.splitlines() if line.split()[4].startswith(str(root))]


def _farm_containers(root: Path) -> list[str]:
    import docker

    client = docker.from_env()
    try:
        labels = [LABEL, f"{FARM_LABEL}={farm_id(root)}"]
        return [c.id for c in client.containers.list(all=True, filters={"label": labels})]
    finally:
        client.close()


def _wait(condition: object, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("backend", ["bwrap", "docker"])
def test_reaper_removes_what_a_killed_worker_left(backend: str, tmp_path: Path) -> None:
    if backend == "docker" and (reason := docker_ready()) is not None:
        if os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path / "sandboxes"
    worker = subprocess.Popen(
        [sys.executable, "-c", START, backend, str(root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "started"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    assert list(root.glob("sbx-*")), "the control: the killed worker left its state dir"
    if os.geteuid() == 0:
        assert _mounts_under(root), "the control: and its tmpfs mounts"
    if backend == "docker":
        assert _farm_containers(root), "the control: and its container"
    # its uid's lease went with the process: the reaper may take what is left
    assert _wait(lambda: reap_farm(root, timeout_s=30.0) >= 0 and not list(root.glob("sbx-*")))
    assert _mounts_under(root) == []
    if backend == "docker":
        assert _farm_containers(root) == []
