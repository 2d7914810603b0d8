"""In-sandbox warm process: pre-imports heavy modules, then forks one child per job.

Runs *inside* the sandbox as the unprivileged sandbox user. Standard library only: it must not
import anything of scenefarm's host side. Protocol: one JSON object per line on stdin (a job),
one JSON object per line on stdout (its outcome). The child's return value is data, never a
verdict: the host decides success from the exit status and its own checks of the outputs.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import resource
import select
import shutil
import signal
import sys
import time
import traceback
from typing import Any

import scratch_keeper  # siblings in this guest dir
import syscall_filter

PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
TAIL_BYTES = 16 * 1024
VALUE_MAX_BYTES = 4 * 1024 * 1024
EXIT_ERROR = 3
EXIT_MEMORY = 4
EXIT_FORBIDDEN = 5
CPU_KILL_GRACE_S = 2
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt(3) parameters
# a job's allocator (see _tune_malloc); bench/bench_render.py's JOB_MALLOC_ENV repeats them
JOB_MMAP_THRESHOLD = 64 << 20
JOB_TRIM_THRESHOLD = 256 << 20


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


def _tune_malloc() -> None:
    """A job keeps the heap it grows instead of handing it back to the kernel after each frame.

    By default glibc serves a frame-sized buffer (a 480p RGBA frame is 1.6 MB) with mmap and
    returns it with munmap when freed, so every frame the job draws faults its pages in anew
    (some 45,000 page faults per 3 s scene here, a quarter of its CPU). With larger thresholds
    the freed buffers stay in the heap for the next frame. Set in the child: the zygote's own
    heap is left as it is. Peak memory is unchanged, so the job's memory cap still holds.
    """
    libc = ctypes.CDLL(None)
    libc.mallopt(M_MMAP_THRESHOLD, JOB_MMAP_THRESHOLD)
    libc.mallopt(M_TRIM_THRESHOLD, JOB_TRIM_THRESHOLD)


def _set_limits(limits: dict[str, int]) -> None:
    mb = 1024 * 1024
    # CPU: SIGXCPU at the limit (a timeout verdict); SIGKILL only if the job survives it. With
    # soft = hard the kernel sends SIGKILL at once, and the verdict raced the wall clock.
    cpu = limits["cpu_s"]
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)  # a container's own limit is a ceiling
    ceiling = cpu + CPU_KILL_GRACE_S if hard == resource.RLIM_INFINITY else hard
    resource.setrlimit(
        resource.RLIMIT_CPU, (min(cpu, ceiling), min(cpu + CPU_KILL_GRACE_S, ceiling))
    )
    pairs = {
        resource.RLIMIT_AS: limits["memory_mb"] * mb,
        resource.RLIMIT_FSIZE: limits["file_size_mb"] * mb,
        resource.RLIMIT_NPROC: limits["processes"],
        resource.RLIMIT_NOFILE: 256,
        resource.RLIMIT_CORE: 0,
    }
    for kind, value in pairs.items():
        resource.setrlimit(kind, (value, value))


def _run_entry(entry: str, payload: dict[str, Any]) -> Any:
    module_name, _, func_name = entry.partition(":")
    func = getattr(importlib.import_module(module_name), func_name)
    return func(payload)


def _errno_of(exc: BaseException) -> int | None:
    """The OS error behind `exc`, if any: its own, a URLError's reason, or an explicit cause."""
    for candidate in (exc, getattr(exc, "reason", None), exc.__cause__):
        if isinstance(candidate, OSError) and isinstance(candidate.errno, int):
            return candidate.errno
    return None


def _describe(exc: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:2000],
        "errno": _errno_of(exc),
        "traceback": "".join(traceback.format_exception(exc))[-4000:],
        "frames": [[f.filename, f.lineno or 0, f.name] for f in frames][-20:],
    }


def _child(job: dict[str, Any], value_w: int, out_w: int, err_w: int) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    me = os.getpid()
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.closerange(3, value_w)
        os.closerange(value_w + 1, 1 << 16)
        os.chdir(job["workdir"])
        os.environ["TMPDIR"] = job["workdir"]
        _set_limits(job["limits"])
        _tune_malloc()
        sys.stdout = os.fdopen(1, "w", buffering=1, errors="replace")
        sys.stderr = os.fdopen(2, "w", buffering=1, errors="replace")
        try:
            value: Any = {"ok": _run_entry(job["entry"], job["payload"])}
        except MemoryError as exc:
            value, code = {"error": _describe(exc)}, EXIT_MEMORY
        except PermissionError as exc:
            value, code = {"error": _describe(exc)}, EXIT_FORBIDDEN
        except BaseException as exc:  # noqa: BLE001 (the job's own failure: report it, whatever it is)
            value, code = {"error": _describe(exc)}, EXIT_ERROR
        if os.getpid() != me:  # a process the job forked came back up here: only one reports
            os._exit(code)
        data = json.dumps(value, default=str).encode()[:VALUE_MAX_BYTES]
        with os.fdopen(value_w, "wb") as pipe:
            pipe.write(data)
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 (the job's child must exit with a code, never unwind)
        code = EXIT_ERROR
    os._exit(code)


class _Drain:
    """Reads a child's pipes without blocking, keeping only a bounded tail."""

    def __init__(self, fds: dict[str, int], output_max: int) -> None:
        self.fds = dict(fds)
        self.buffers = {name: bytearray() for name in fds}
        self.total = 0
        self.output_max = output_max
        self.flooded = False

    def pump(self, timeout_s: float) -> None:
        open_fds = [fd for fd in self.fds.values() if fd >= 0]
        if not open_fds:
            time.sleep(timeout_s)
            return
        ready, _, _ = select.select(open_fds, [], [], timeout_s)
        for name, fd in list(self.fds.items()):
            if fd in ready:
                self._read(name, fd)

    def _read(self, name: str, fd: int) -> None:
        chunk = os.read(fd, 65536)
        if not chunk:
            os.close(fd)
            self.fds[name] = -1
            return
        buf = self.buffers[name]
        buf.extend(chunk)
        limit = VALUE_MAX_BYTES if name == "value" else TAIL_BYTES
        if name != "value":
            self.total += len(chunk)
            self.flooded = self.flooded or self.total > self.output_max
            del buf[:-limit]
        elif len(buf) > limit:
            del buf[limit:]

    def close(self) -> None:
        for fd in self.fds.values():
            if fd >= 0:
                os.close(fd)


# -- SysV IPC: objects outlive the processes that made them -------------------------------------
#
# A sandbox has its own IPC namespace (bwrap --unshare-ipc, Docker's private ipc mode), but its
# jobs share it: a segment, queue or semaphore set a job leaves would be read by the next job,
# and shared memory no process maps any more is charged to nobody's RLIMIT_AS. So every object
# is removed after each job (a job's processes are all dead by then, so nothing is still
# attached), and while a job runs the shared memory it created counts against its memory cap.
# POSIX message queues cannot be listed without mounting mqueue: the syscall filter refuses
# mq_open instead. POSIX shared memory lives in /dev/shm, emptied after each job.

IPC_RMID = 0
_SYSV = (("shm", "shmctl"), ("msg", "msgctl"), ("sem", "semctl"))


def _sysv_rows(kind: str) -> list[list[str]]:
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            return [line.split() for line in f.readlines()[1:] if line.strip()]
    except OSError:
        return []


def ipc_shm_bytes() -> int:
    """Bytes of SysV shared memory that exist in this sandbox (declared sizes: a segment costs
    what it may grow to, as a job must not hold more than its cap even briefly)."""
    return sum(int(row[3]) for row in _sysv_rows("shm") if len(row) > 3 and row[3].isdigit())


def remove_ipc() -> int:
    """Removes every SysV IPC object in this sandbox's namespace; returns how many it found.
    The jobs run as our uid, so we are each object's creator (an owner a job changed with
    IPC_SET does not matter: the creator may always remove it)."""
    libc = ctypes.CDLL(None, use_errno=True)
    found = 0
    for kind, call in _SYSV:
        for row in _sysv_rows(kind):
            if len(row) > 1 and row[1].isdigit():
                found += 1
                getattr(libc, call)(int(row[1]), IPC_RMID, None)
    return found


def _kill_everything_else() -> None:
    """Ends every process of this sandbox except this one and the namespace's init."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.005)


def _supervise(job: dict[str, Any]) -> dict[str, Any]:
    pipes = {name: os.pipe() for name in ("value", "stdout", "stderr")}
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(job, pipes["value"][1], pipes["stdout"][1], pipes["stderr"][1])
    for _, w in pipes.values():
        os.close(w)
    drain = _Drain({name: r for name, (r, _) in pipes.items()}, job["limits"]["output_mb"] << 20)
    deadline = started + job["limits"]["wall_s"]
    ipc_cap = job["limits"]["memory_mb"] << 20
    outcome: dict[str, Any] = {"timed_out": False, "flooded": False, "ipc_memory": False}
    status, usage = 0, None
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        over_ipc = ipc_shm_bytes() > ipc_cap
        if time.monotonic() > deadline or drain.flooded or over_ipc:
            outcome["timed_out"] = not (drain.flooded or over_ipc)
            outcome["flooded"] = drain.flooded
            outcome["ipc_memory"] = over_ipc
            os.killpg(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            break
        drain.pump(0.02)
    duration = time.monotonic() - started
    _kill_everything_else()
    # what the job left counts too, however fast it made it (all its processes are gone now)
    outcome["ipc_memory"] = outcome.get("ipc_memory") or ipc_shm_bytes() > ipc_cap
    outcome["ipc_objects"] = remove_ipc()
    for _ in range(3):
        drain.pump(0)
    drain.close()
    outcome.update(
        duration_s=duration,
        exit_code=os.waitstatus_to_exitcode(status),
        cpu_s=(usage.ru_utime + usage.ru_stime) if usage else 0.0,
        maxrss_kb=usage.ru_maxrss if usage else 0,
        stdout=drain.buffers["stdout"].decode("utf-8", "replace"),
        stderr=drain.buffers["stderr"].decode("utf-8", "replace"),
        value=bytes(drain.buffers["value"]).decode("utf-8", "replace"),
    )
    return outcome


def _wipe_shared_tmp() -> None:
    """Removes what a job left in /tmp and /dev/shm, so the next job starts clean."""
    for root in ("/tmp", "/dev/shm"):
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(root, name))
    os.makedirs(os.environ.get("HOME", "/tmp/home"), exist_ok=True)


def _preload(modules: list[str]) -> dict[str, str]:
    versions = {}
    for name in modules:
        module = importlib.import_module(name)
        versions[name] = str(getattr(module, "__version__", ""))
    return versions


def _confine() -> None:
    """What this process and every job it forks keep for life: a syscall filter, and (as pid 1
    under Docker, where Python's SIGINT handler would be delivered) no death by SIGINT."""
    if not syscall_filter.install():
        print(f"zygote: no syscall filter for {os.uname().machine}", file=sys.stderr)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main() -> None:
    _prctl(PR_SET_DUMPABLE, 0)  # jobs run as our uid: keep them out of /proc/<us> and ptrace
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # Orphans a job leaves (daemons, a fork bomb's processes) become our children, so the wait
    # after each job reaps them all before we answer: nothing of a job outlives its reply.
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    proto_in = os.fdopen(os.dup(0), "r")
    proto_out = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    config = json.loads(proto_in.readline())
    sys.path[:0] = config.get("paths", [])
    for name, value in config.get("env", {}).items():
        os.environ[name] = value
    os.makedirs(os.environ.get("HOME", "/tmp/home"), exist_ok=True)
    try:
        _confine()
        versions = _preload(config.get("preload", []))
    except BaseException as exc:  # noqa: BLE001 (a failed start is reported to the host, whatever it is)
        proto_out.write(json.dumps({"ready": False, "error": _describe(exc)}) + "\n")
        return
    proto_out.write(json.dumps({"ready": True, "versions": versions, "pid": os.getpid()}) + "\n")
    budget = scratch_keeper.budget_from(config)
    for line in proto_in:
        job = json.loads(line)
        fault = scratch_keeper.scratch_fault(budget) if budget else None
        if fault:  # the sandbox's own failing, not the job's: it never runs here
            proto_out.write(json.dumps({"id": job["id"], "sandbox_fault": fault}) + "\n")
            continue
        reply = _supervise(job)
        _wipe_shared_tmp()
        if budget:
            reply["cache"] = scratch_keeper.keep(budget)
        reply["id"] = job["id"]
        proto_out.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    main()
