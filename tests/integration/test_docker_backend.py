"""The farm on the docker backend: same frames as plain manim, `auto` picks docker, a killed
worker's chunk is retried and its container never outlives the farm.

Everything here is scoped to the test's own farm (its data dir's farm id): another farm on the
machine (`make demo`'s, left running) has containers, sandbox-uid processes and Ray workers
too, and a test must neither count nor kill them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import docker
import psutil
import pytest

from cluster.farm.ray_head import sandbox_root
from renderers import frame_hashes, probe_video
from sandbox import farm_id
from sandbox.docker import FARM_LABEL

from .conftest import CLI, SCENES, Farm, docker_missing, manim_reference

pytestmark = pytest.mark.integration
LABEL = "scenefarm.sandbox"


@pytest.fixture(scope="module", autouse=True)
def _docker() -> None:
    reason = docker_missing()
    if reason is not None:
        pytest.skip(reason)


def _farm_label(farm: Farm) -> str:
    return f"{FARM_LABEL}={farm_id(sandbox_root(farm.data_dir))}"


def _containers(farm: Farm, **filters: str) -> list[docker.models.containers.Container]:
    """This farm's sandbox containers (another farm's are not ours to count)."""
    client = docker.from_env()
    try:
        labels = [LABEL, _farm_label(farm)]
        return client.containers.list(all=True, filters={"label": labels, **filters})
    finally:
        client.close()


def test_chunked_render_in_containers_matches_plain_manim(farm: Farm, tmp_path: Path) -> None:
    scenes = ["TransformScene", "MathTexScene"]
    file = SCENES / "identity.py"
    run = farm.render(
        file, *scenes, "--sandbox", "docker", "--workers", "2", "--chunk-frames", "1", "--no-cache"
    )
    assert run.code == 0, run.stderr[-3000:]
    running = _containers(farm, status="running")
    assert len(running) >= 2, "the warm workers should each hold a running sandbox container"
    config = running[0].attrs["HostConfig"]
    assert config["NetworkMode"] == "none" and config["ReadonlyRootfs"] is True
    assert config["CapDrop"] == ["ALL"] and "no-new-privileges" in config["SecurityOpt"]
    assert running[0].attrs["Config"]["User"].split(":")[0] != "0"
    for scene in scenes:
        assert len(run.scene(scene)["chunks"]) >= 2
        reference = manim_reference(file, scene, tmp_path)
        assert frame_hashes(run.scene_video(scene)) == frame_hashes(reference)


def test_auto_chooses_docker_and_says_so(farm: Farm) -> None:
    run = farm.render(SCENES / "identity.py", "WaitsOnly", "--sandbox", "auto")
    assert run.code == 0, run.stderr[-3000:]
    assert "sandbox backend: docker" in run.stderr


def _busy_docker_worker(farm: Farm) -> psutil.Process | None:
    """A Ray worker of this farm whose sandbox container is running a job (more than the
    guest, its pid 1). Workers of other farms are never candidates."""
    uids = {c.id: int(c.labels["scenefarm.uid"]) for c in _containers(farm, status="running")}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if not " ".join(proc.info["cmdline"] or []).startswith("ray::"):
                continue
            for child in proc.children():
                argv = child.cmdline()
                if child.name() == "docker" and "start" in argv and argv[-1] in uids:
                    uid = uids[argv[-1]]
                    procs = [p for p in psutil.process_iter(["uids"]) if p.info["uids"].real == uid]
                    if len(procs) > 1:
                        return proc
        except (psutil.NoSuchProcess, ValueError):
            continue
    return None


def test_killed_worker_is_retried_and_leaves_no_container(farm: Farm) -> None:
    argv, output, report = farm.command(
        SCENES / "slow.py", "--sandbox", "docker", "--workers", "2", "--no-cache"
    )
    proc = subprocess.Popen(
        argv, env=farm.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(proc.stderr.readline, "")),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    victim, deadline, uids = None, time.monotonic() + 240, set()
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        uids |= {int(c.labels["scenefarm.uid"]) for c in _containers(farm)}
        if any("chunk_done" in line for line in lines):
            victim = _busy_docker_worker(farm)
        time.sleep(0.1)
    assert victim is not None, f"no worker was seen rendering: {proc.poll()} {''.join(lines)}"
    time.sleep(0.5)
    os.kill(victim.pid, signal.SIGKILL)
    proc.wait(timeout=600)
    reader.join(timeout=10)
    assert proc.returncode == 0, "".join(lines)[-3000:]
    data = json.loads(report.read_text())
    assert max(c["attempts"] for s in data["scenes"] for c in s["chunks"]) >= 2
    assert probe_video(output).frames == sum(s["frames"] for s in data["scenes"])

    down = subprocess.run(
        [CLI, "down"], env=farm.env(), capture_output=True, text=True, timeout=120
    )
    assert down.returncode == 0, down.stderr
    assert _containers(farm) == [], "sandbox containers outlived the farm"
    # Only the uids this farm's sandboxes ran as: another farm's sandboxes are still up.
    assert uids, "no container of this farm was seen"
    assert not [p for p in psutil.process_iter(["uids"]) if p.info["uids"].real in uids]
