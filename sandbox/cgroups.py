"""A memory + pids cgroup per bwrap sandbox, where this host lets us make one (root).

rlimits cap each process, not the sandbox: 64 processes under a 4 GiB RLIMIT_AS could still take
256 GiB together. A cgroup caps the whole sandbox (guest, jobs, LaTeX, ffmpeg) and counts the
processes the kernel killed for memory, which the host uses to tell `memory` from `killed`.
Supports cgroup v1 (memory and pids hierarchies) and v2 (one unified hierarchy).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

ROOT = Path("/sys/fs/cgroup")
PARENT = "scenefarm"


@dataclass(frozen=True)
class Cgroup:
    dirs: tuple[Path, ...]  # one per hierarchy the limits live in
    memory_dir: Path

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def oom_kills(self) -> int:
        for name in ("memory.oom_control", "memory.events"):
            with contextlib.suppress(OSError, ValueError):
                for line in (self.memory_dir / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        return 0

    def remove(self) -> None:
        """Kills whatever is still inside, then removes the cgroup dirs."""
        for d in self.dirs:
            _kill_members(d)
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def wrap(argv: list[str], cgroup: Cgroup | None) -> list[str]:
    """argv that first moves itself into `cgroup`, then execs `argv` (which inherits it)."""
    if cgroup is None:
        return argv
    script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 126; shift; done; shift; exec "$@"'
    return ["/bin/sh", "-c", script, "sh", *cgroup.procs_files(), "--", *argv]


def create(name: str, memory_mb: int, pids: int) -> Cgroup | None:
    """A fresh cgroup `name` with the limits, or None where cgroups are not ours to make."""
    remove_stale(name)
    try:
        if (ROOT / "cgroup.controllers").exists():
            return _create_v2(name, memory_mb, pids)
        return _create_v1(name, memory_mb, pids)
    except OSError as e:
        log.info("no cgroup for the sandbox (rlimits only): %s", e)
        return None


def remove_stale(name: str) -> None:
    """Removes a cgroup of this name left by a host that died."""
    dirs = tuple(d for d in _candidates(name) if d.is_dir())
    if dirs:
        Cgroup(dirs, dirs[0]).remove()


def stale_names(prefix: str) -> set[str]:
    """Names of the sandbox cgroups starting with `prefix` (one farm's: `sbx-<farm>-`)."""
    parents = (ROOT / "memory" / PARENT, ROOT / "pids" / PARENT, ROOT / PARENT)
    found: set[str] = set()
    for parent in parents:
        with contextlib.suppress(OSError):
            found |= {d.name for d in parent.iterdir() if d.name.startswith(prefix)}
    return found


def _candidates(name: str) -> list[Path]:
    return [ROOT / "memory" / PARENT / name, ROOT / "pids" / PARENT / name, ROOT / PARENT / name]


def _create_v1(name: str, memory_mb: int, pids: int) -> Cgroup:
    memory = _make(ROOT / "memory" / PARENT / name)
    (memory / "memory.limit_in_bytes").write_text(str(memory_mb << 20))
    swap = memory / "memory.memsw.limit_in_bytes"
    if swap.exists():
        swap.write_text(str(memory_mb << 20))  # no swap beyond the memory cap
    pid_dir = _make(ROOT / "pids" / PARENT / name)
    (pid_dir / "pids.max").write_text(str(pids))
    return Cgroup((memory, pid_dir), memory)


def _create_v2(name: str, memory_mb: int, pids: int) -> Cgroup:
    parent = ROOT / PARENT
    parent.mkdir(exist_ok=True)
    (ROOT / "cgroup.subtree_control").write_text("+memory +pids")
    (parent / "cgroup.subtree_control").write_text("+memory +pids")
    group = _make(parent / name)
    (group / "memory.max").write_text(str(memory_mb << 20))
    (group / "memory.swap.max").write_text("0")
    (group / "pids.max").write_text(str(pids))
    return Cgroup((group,), group)


def _make(path: Path) -> Path:
    path.parent.mkdir(exist_ok=True)
    path.mkdir()
    return path


def _kill_members(d: Path) -> None:
    for _ in range(50):
        try:
            pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
