"""Hands out one unprivileged uid per live sandbox, so RLIMIT_NPROC is per sandbox."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

UID_FIRST = 61000
UID_COUNT = 1000


class UidLease:
    """Holds an exclusive lock on one uid of the range until released."""

    def __init__(self, lock_dir: Path) -> None:
        lock_dir.mkdir(parents=True, exist_ok=True)
        for offset in range(UID_COUNT):
            uid = UID_FIRST + offset
            fd = os.open(lock_dir / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise RuntimeError("no free sandbox uid left")

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def uid_in_use(lock_dir: Path, uid: int) -> bool:
    """Whether a live sandbox holds `uid` (its lease's lock is taken)."""
    try:
        fd = os.open(lock_dir / f"uid-{uid}.lock", os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
