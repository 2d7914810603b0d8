"""Hands out one unprivileged uid per live sandbox on this machine, so RLIMIT_NPROC, cgroups
and container users are per sandbox.

The lease is machine-wide: one lock dir for every farm, whatever its TMPDIR or sandbox state
root. Two farms leasing from two dirs once got the same uid, and one farm's cleanup of that
uid's cgroup killed the other farm's sandbox.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from pathlib import Path

# 62000-62999: farms still on the old per-root lease took 61000-61999, and sharing a uid with one
# of them would mix two sandboxes' processes (RLIMIT_NPROC, kill, cleanup by uid).
UID_FIRST = 62000
UID_COUNT = 1000
# /run/lock is a world-writable sticky tmpfs on Debian (gone at reboot, as leases should be).
MACHINE_LEASE_DIR = Path("/run/lock/scenefarm-uids")
_FALLBACK_LEASE_DIR = Path("/tmp/scenefarm-uids")


class LeaseDirUntrusted(RuntimeError):
    """The machine-wide lease dir belongs to someone who could unlink our leases."""


def machine_lease_dir() -> Path:
    """The one lease dir of this machine, made on first use (sticky and world-writable, so
    farms of every user share it and none can remove another's lock files)."""
    if MACHINE_LEASE_DIR.parent.is_dir():
        try:
            return _made(MACHINE_LEASE_DIR)
        except OSError as e:
            if e.errno != errno.EROFS:
                raise
            # a read-only root (a k8s pod's): the pod is the machine, and its /tmp is its own
    return _made(_FALLBACK_LEASE_DIR)


def _made(path: Path) -> Path:
    try:
        path.mkdir(mode=0o700)
        path.chmod(0o1777)
    except FileExistsError:
        pass
    _check_trusted(path)
    return path


def _check_trusted(path: Path) -> None:
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise LeaseDirUntrusted(f"{path} is not a directory")
    if info.st_uid not in (0, os.geteuid()):
        raise LeaseDirUntrusted(f"{path} belongs to uid {info.st_uid}")
    if info.st_mode & stat.S_IWOTH and not info.st_mode & stat.S_ISVTX:
        raise LeaseDirUntrusted(f"{path} is world-writable without the sticky bit")


def _open_lock(lock_dir: Path, uid: int, create: bool) -> int:
    """A read-only fd on `uid`'s lock file (flock works on any fd; others must open it too)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    fd = os.open(lock_dir / f"uid-{uid}.lock", flags, 0o644)
    info = os.fstat(fd)
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != 0o644:
        os.fchmod(fd, 0o644)  # the umask may have taken others' read bit
    return fd


class UidLease:
    """Holds an exclusive lock on one uid of the range until released."""

    def __init__(self, lock_dir: Path | None = None) -> None:
        lock_dir = lock_dir or machine_lease_dir()
        for offset in range(UID_COUNT):
            uid = UID_FIRST + offset
            try:
                fd = _open_lock(lock_dir, uid, create=True)
            except PermissionError:  # another user's lock file we cannot read: theirs
                continue
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


def uid_in_use(uid: int, lock_dir: Path | None = None) -> bool:
    """Whether a live sandbox of any farm on this machine holds `uid`."""
    try:
        fd = _open_lock(lock_dir or machine_lease_dir(), uid, create=False)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # unreadable: someone's, left alone
    return locked_elsewhere(fd)


def locked_elsewhere(fd: int) -> bool:
    """Whether another open file (a live process's) holds a lock on this fd's file; closes
    the fd either way."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
