"""The guest's seccomp filter on its own: installed in a forked child of this test (never in the
test process), it refuses what it lists and leaves what rendering needs working."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[2] / "sandbox" / "guest"))
import syscall_filter

pytestmark = pytest.mark.skipif(
    platform.machine() not in syscall_filter.ARCHES, reason="no filter for this architecture"
)
NUMBERS = syscall_filter.ARCHES.get(platform.machine(), (0, {}, False))[1]
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def in_child(probe: Callable[[], Any], filtered: bool) -> Any:
    """probe()'s JSON result, computed in a forked child (with the filter installed first)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            if filtered:
                syscall_filter.install()
            os.write(write, json.dumps(probe()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def syscall(name: str, *args: int) -> list[int]:
    libc = ctypes.CDLL(None, use_errno=True)
    return [libc.syscall(NUMBERS[name], *args), ctypes.get_errno()]


def unshare_userns() -> list[int]:
    libc = ctypes.CDLL(None, use_errno=True)
    return [libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), ctypes.get_errno()]


def io_uring() -> list[int]:
    return syscall("io_uring_setup", 8, ctypes.addressof(ctypes.create_string_buffer(120)))


def test_namespaces_are_refused_and_allowed_without_the_filter() -> None:
    assert in_child(unshare_userns, filtered=False)[0] == 0  # the control: the kernel allows it
    assert in_child(unshare_userns, filtered=True) == [-1, errno.EPERM]


@pytest.mark.parametrize(
    "probe",
    [
        io_uring,
        lambda: syscall("keyctl", 0, -3, 0),
        lambda: syscall("ptrace", 16, os.getppid(), 0, 0),
        lambda: syscall("mount", 0, 0, 0, 0, 0),
        lambda: syscall("bpf", 0, 0, 0),
        lambda: syscall("perf_event_open", 0, 0, -1, -1, 0),
        lambda: syscall("clone", CLONE_NEWUSER, 0, 0, 0, 0),
    ],
)
def test_listed_calls_are_refused(probe: Callable[[], list[int]]) -> None:
    assert in_child(probe, filtered=True) == [-1, errno.EPERM]


def test_clone3_falls_back_to_clone() -> None:
    assert in_child(lambda: syscall("clone3", 0, 0), filtered=True) == [-1, errno.ENOSYS]


def rendering_needs() -> list[Any]:
    """fork, threads and subprocesses (LaTeX, dvisvgm) must keep working under the filter."""
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    forked = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(1))
    thread.start()
    thread.join()
    out = subprocess.run(["/bin/sh", "-c", "echo sub"], capture_output=True, text=True).stdout
    return [forked, seen, out]


def test_what_rendering_needs_still_works() -> None:
    assert in_child(rendering_needs, filtered=True) == [7, [1], "sub\n"]


def test_foreign_abi_is_refused() -> None:
    arch, _, _ = syscall_filter.ARCHES[platform.machine()]
    program = syscall_filter.program(*syscall_filter.ARCHES[platform.machine()])
    assert program[:3] == [
        (0x20, 0, 0, 4),  # load the arch...
        (0x15, 1, 0, arch),  # ...native: go on
        (0x06, 0, 0, syscall_filter.RET_ERRNO | errno.EPERM),  # anything else: EPERM
    ]
