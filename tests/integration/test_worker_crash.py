"""A render worker killed in the middle of a chunk: the chunk is retried, the lesson completes."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psutil
import pytest

from renderers import probe_video

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration


def _busy_worker() -> psutil.Process | None:
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "ray::RenderWorker.render" in cmdline:
            return proc
    return None


def test_killed_worker_chunk_is_retried(farm: Farm) -> None:
    argv, output, report = farm.command(SCENES / "slow.py", "--workers", "2", "--no-cache")
    proc = subprocess.Popen(argv, env=farm.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    victim, deadline = None, time.monotonic() + 240
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        victim = _busy_worker()
        time.sleep(0.2)
    assert victim is not None, "no worker was seen rendering"
    time.sleep(0.5)  # well inside a multi-second chunk
    os.kill(victim.pid, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr[-3000:]
    import json

    data = json.loads(report.read_text())
    chunks = [c for s in data["scenes"] for c in s["chunks"]]
    assert max(c["attempts"] for c in chunks) >= 2
    assert probe_video(output).frames == sum(s["frames"] for s in data["scenes"])
