"""Issue 21 item 9: host-wide counters a job could time other tenants' work by (/proc/stat,
/proc/loadavg, /proc/pressure), and /sys (devices, firmware, the host's cgroups)."""

import json
import os

from manim import Scene


def _read(path):
    try:
        with open(path) as f:
            return f.read(4096)
    except OSError as e:
        return f"unreadable: {e.strerror}"


def _listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


class FilesHostCounters(Scene):
    def construct(self):
        busy = sum(range(3_000_000))  # some CPU time of our own, which a real /proc/stat counts
        stat_cpu = _read("/proc/stat").splitlines()[0].split()[1:]
        report = {
            "busy": busy > 0,
            "stat_cpu": stat_cpu,
            "loadavg": _read("/proc/loadavg").strip(),
            "pressure": {n: _read(f"/proc/pressure/{n}") for n in _listing("/proc/pressure")},
            "sys": _listing("/sys"),
        }
        raise RuntimeError("REPORT " + json.dumps(report))
