"""A render worker killed in the middle of a chunk: the chunk is retried, the lesson completes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import psutil
import pytest

from renderers import probe_video

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration


IDLE_DESCENDANTS = 3  # bwrap, its namespace init, the warm zygote; a job adds a forked child


def _busy_worker(farm: Farm) -> psutil.Process | None:
    """A render worker of this farm whose sandbox is running a job right now. Other farms on
    the machine (a demo's) are never touched: a worker is this farm's when its sandbox's state
    dir lies in this farm's data dir."""
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        try:
            # while a task runs, Ray titles the worker with the task's name (lesson/scene/chunk)
            if not cmdline.startswith("ray::"):
                continue
            family = proc.children(recursive=True)
            sandboxes = [p for p in family if p.name() == "bwrap"]
            if any(_is_ours(farm, p) for p in sandboxes) and len(family) > IDLE_DESCENDANTS:
                return proc
        except psutil.NoSuchProcess:
            continue
    return None


def _is_ours(farm: Farm, bwrap: psutil.Process) -> bool:
    return str(farm.data_dir) in " ".join(bwrap.cmdline())


def test_killed_worker_chunk_is_retried(farm: Farm) -> None:
    argv, output, report = farm.command(SCENES / "slow.py", "--workers", "2", "--no-cache")
    proc = subprocess.Popen(
        argv, env=farm.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True
    )  # type: ignore[union-attr]
    reader.start()
    victim, deadline = None, time.monotonic() + 240
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        # probes go first: once a chunk is done, every worker is rendering chunks
        if any("chunk_done" in line for line in lines):
            victim = _busy_worker(farm)
        time.sleep(0.1)
    # a forked job is running in its sandbox: the worker is inside a multi-second chunk
    assert victim is not None, f"no worker was seen rendering: {proc.poll()} {''.join(lines)}"
    os.kill(victim.pid, signal.SIGKILL)
    proc.wait(timeout=600)
    reader.join(timeout=10)
    stderr = "".join(lines)
    assert proc.returncode == 0, stderr[-3000:]
    data = json.loads(report.read_text())
    chunks = [c for s in data["scenes"] for c in s["chunks"]]
    assert max(c["attempts"] for c in chunks) >= 2
    assert probe_video(output).frames == sum(s["frames"] for s in data["scenes"])
