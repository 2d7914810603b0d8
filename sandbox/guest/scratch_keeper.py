"""Keeps the sandbox's scratch space usable between jobs (runs in the guest, between jobs).

The sandbox's cache dir (/scratch/cache: LaTeX and Pango results kept across its jobs) is
writable by every job, so one job could make it unusable for all the jobs after it: fill its
inodes or blocks, make a dir read-only, plant links or FIFOs. Each later job would then fail
with ENOSPC or EACCES, reported as that scene's own error. After every job (no process of it is
left by then) the cache is checked: over its budget in bytes or inodes, or with anything a
cache never holds, it is emptied by force (modes restored first, links never followed). Before
each job the scratch filesystem must have room: if it does not (nothing a job can cause, once
the cache is kept), the sandbox reports a fault instead of running the job, and the host
recycles it and the farm retries elsewhere.

Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import dataclass

MIN_FREE_SHARE = 0.5  # of the scratch fs, blocks and inodes, before a job may start


@dataclass(frozen=True)
class CacheBudget:
    root: str  # the cache dir
    max_bytes: int
    max_inodes: int
    scratch: str = ""  # the scratch fs, when it is the sandbox's own (else not checked)


def budget_from(config: dict[str, object]) -> CacheBudget | None:
    raw = config.get("cache")
    if not isinstance(raw, dict):
        return None
    return CacheBudget(
        str(raw["root"]), int(raw["max_bytes"]), int(raw["max_inodes"]), str(raw.get("scratch", ""))
    )


def keep(budget: CacheBudget) -> str:
    """Checks the cache after a job; empties it when it must. Returns what it did: "ok",
    "emptied: <why>", or "broken: <why>" (the cache could not be restored)."""
    why = _problem(budget)
    if why is None:
        return "ok"
    empty_by_force(budget.root)
    left = _problem(budget)
    return f"broken: {left}" if left else f"emptied: {why}"


def scratch_fault(budget: CacheBudget) -> str | None:
    """Why the scratch fs cannot take a job now (None: it can)."""
    if not budget.scratch:
        return None
    try:
        fs = os.statvfs(budget.scratch)
    except OSError as e:
        return f"scratch space unreadable: {e}"
    blocks = fs.f_bavail / fs.f_blocks if fs.f_blocks else 1.0
    inodes = fs.f_favail / fs.f_files if fs.f_files else 1.0
    if min(blocks, inodes) < MIN_FREE_SHARE:
        return f"scratch space exhausted ({blocks:.0%} of blocks, {inodes:.0%} of inodes free)"
    return None


def _problem(budget: CacheBudget) -> str | None:
    """What is wrong with the cache, or None. Only plain files and dirs it may fully use."""
    try:
        top = os.lstat(budget.root)
        if not stat.S_ISDIR(top.st_mode) or stat.S_IMODE(top.st_mode) & 0o700 != 0o700:
            return "cache dir not usable"
        return _walk_problem(budget)
    except OSError as e:
        return f"cache unreadable: {e.strerror}"


def _walk_problem(budget: CacheBudget) -> str | None:
    used_bytes, used_inodes = 0, 0
    for dirpath, dirnames, filenames in os.walk(budget.root, onerror=_raise):
        for name in dirnames + filenames:
            info = os.lstat(os.path.join(dirpath, name))
            used_inodes += 1
            used_bytes += info.st_blocks * 512
            why = _entry_problem(info)
            if why:
                return f"{why} in the cache: {name[:80]!r}"
        if used_inodes > budget.max_inodes or used_bytes > budget.max_bytes:
            return f"over budget ({used_inodes} inodes, {used_bytes} bytes)"
    return None


def _entry_problem(info: os.stat_result) -> str | None:
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        return None if mode & 0o700 == 0o700 else "a dir we may not use"
    if not stat.S_ISREG(info.st_mode):
        return "not a file or dir"
    if mode & 0o600 != 0o600:
        return "a file we may not use"
    return "a hard link" if info.st_nlink > 1 else None


def _raise(error: OSError) -> None:
    raise error


def empty_by_force(root: str) -> None:
    """Removes everything under `root` (kept itself, mode 0700): dirs made searchable and
    writable first, links removed as links, never followed."""
    with contextlib.suppress(OSError):
        os.chmod(root, 0o700)
    _empty_dir(root)


def _empty_dir(path: str) -> None:
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)  # a real dir (lstat): chmod cannot follow a link
                _empty_dir(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
