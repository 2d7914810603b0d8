"""Collects a job's outputs after it has exited, without following links.

Every path component is opened relative to the previous one with O_NOFOLLOW, so a planted
symlink, FIFO, device or hard link is refused instead of read.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_COPY_CHUNK = 1 << 20


class OutputRejected(Exception):
    """An output was missing, not a plain file, escaped its directory, or was too big."""


def _components(name: str) -> list[str]:
    parts = name.split("/")
    if not parts or any(p in ("", ".", "..") or not _NAME.match(p) for p in parts):
        raise OutputRejected(f"output name {name!r} is not allowed")
    return parts


def _open_beneath(root_fd: int, parts: list[str]) -> int:
    fd = os.dup(root_fd)
    try:
        for part in parts[:-1]:
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nxt
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
        return os.open(parts[-1], flags, dir_fd=fd)
    except FileNotFoundError as e:
        raise OutputRejected(f"output {'/'.join(parts)!r} was not produced") from e
    except OSError as e:
        raise OutputRejected(f"output {'/'.join(parts)!r} is not a plain file: {e}") from e
    finally:
        os.close(fd)


def _copy(src_fd: int, dest: Path, size: int) -> None:
    tmp = dest.with_name(f".{dest.name}.partial")
    with tmp.open("wb") as out:
        left = size
        while left > 0:
            data = os.read(src_fd, min(_COPY_CHUNK, left))
            if not data:
                break
            out.write(data)
            left -= len(data)
    tmp.replace(dest)


def collect_outputs(
    job_dir: Path, names: Sequence[str], dest_dir: Path, max_total_bytes: int
) -> dict[str, Path]:
    """Copies each named output of `job_dir` into `dest_dir`; raises OutputRejected."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    root_fd = os.open(job_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    collected: dict[str, Path] = {}
    budget = max_total_bytes
    try:
        for name in names:
            fd = _open_beneath(root_fd, _components(name))
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise OutputRejected(f"output {name!r} is not a regular file")
                if info.st_nlink != 1:
                    raise OutputRejected(f"output {name!r} has {info.st_nlink} hard links")
                if info.st_size > budget:
                    raise OutputRejected(f"output {name!r} exceeds the output size cap")
                budget -= info.st_size
                dest = dest_dir.joinpath(*_components(name))
                dest.parent.mkdir(parents=True, exist_ok=True)
                _copy(fd, dest, info.st_size)
                collected[name] = dest
            finally:
                os.close(fd)
    finally:
        os.close(root_fd)
    return collected
