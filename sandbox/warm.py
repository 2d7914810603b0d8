"""Host side of a warm sandbox: one long-lived guest process, one forked child per job.

Backends differ only in how they start the guest (`Launcher`); everything else, from the wire
protocol to the verdict on a job, lives here.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Protocol

from sandbox.collect import OutputRejected, collect_outputs
from sandbox.protocol import GUEST_DIR, SandboxJob, SandboxSpec
from sandbox.result import (
    JobError,
    SandboxError,
    SandboxFault,
    SandboxResult,
    SandboxStatus,
    sanitize,
)
from sandbox.uids import UidLease, locked_elsewhere, machine_lease_dir, uid_in_use

log = logging.getLogger(__name__)

GUEST_ROOT = "/opt/scenefarm"
GUEST_SCRATCH = "/scratch"
GUEST_CACHE = f"{GUEST_SCRATCH}/cache"  # kept across the sandbox's jobs (one owner's)
START_TIMEOUT_S = 120.0
REPLY_GRACE_S = 15.0
GUEST_OVERHEAD_MB = 512  # the warm guest itself (Python + Manim imported), on top of a job's cap
SHM_MB = 64
EXIT_ERROR, EXIT_MEMORY, EXIT_FORBIDDEN = 3, 4, 5  # mirrors guest/zygote.py
_FORBIDDEN_ERRNOS = {errno.EPERM, errno.EACCES, errno.EROFS, errno.ENETUNREACH}
_SHARED_TMPFS = ("scratch", "tmp", "shm")  # the state dir's mount points, as root
_LEADING_ERRNO = re.compile(r"\[Errno (\d+)\]")


@dataclass(frozen=True)
class Mounts:
    """Where the guest finds things: host dirs -> guest paths, all read-only but scratch."""

    name: str  # the sandbox's name on this machine (cgroup, container): its farm's, and its uid
    farm: str  # farm_id() of the farm it belongs to
    scratch: Path  # host dir, writable by the sandbox uid, at GUEST_SCRATCH
    guest_dirs: Mapping[Path, str]  # host dir -> guest path
    state: Path  # host-only dir for the backend's own files (never mounted writable)
    # As root: host tmpfs mounts for /tmp and /dev/shm, capped in size *and* inodes (bwrap's own
    # --tmpfs caps only size: a job could fill them with millions of empty files). None: the
    # backend makes its own.
    tmp: Path | None = None
    shm: Path | None = None


class Launcher(Protocol):
    name: str

    def command(self, spec: SandboxSpec, mounts: Mounts, uid: int) -> list[str]:
        """argv that starts the guest's Python running zygote.main() with stdin/stdout piped."""
        ...

    def cleanup(self, mounts: Mounts) -> None:
        """Removes anything the backend left behind for this sandbox (containers, cgroups)."""
        ...

    def reap(self, name: str) -> None:
        """Removes what a host that died left under `name` (the caller holds its uid's lease)."""
        ...

    def oom_kills(self, mounts: Mounts) -> int:
        """Processes the kernel has killed for memory in this sandbox so far (0 if unknown)."""
        ...


def default_state_root() -> Path:
    """Where sandboxes keep their state when their farm names no root of its own (a worker
    node of a remote cluster). Not the old layout's "scenefarm-sandboxes": its farms reap state
    dirs by their own lease dir's locks, so they would take ours for a dead host's."""
    return Path(tempfile.gettempdir()) / "scenefarm-sbx"


def farm_id(state_root: Path | None = None) -> str:
    """Names one farm's sandboxes on this machine: its state root, hashed. Cgroups, containers
    and their labels carry it, so a farm's cleanup (`down`, a reaped uid) never touches a
    sandbox of another farm."""
    root = (state_root or default_state_root()).resolve()
    return hashlib.sha256(str(root).encode()).hexdigest()[:10]


def sandbox_name(farm: str, uid: int) -> str:
    return f"sbx-{farm}-{uid}"


class WarmSandbox:
    """A Sandbox whose guest keeps `spec.preload` imported between jobs."""

    def __init__(
        self,
        launcher: Launcher,
        spec: SandboxSpec,
        state_root: Path | None = None,
        lease_dir: Path | None = None,
    ) -> None:
        self.backend = launcher.name
        self.spec = spec
        self._launcher = launcher
        self._state_root = state_root or default_state_root()
        self.farm = farm_id(self._state_root)
        self._lease_dir = lease_dir  # None: the machine's (tests pass their own)
        self._proc: subprocess.Popen[bytes] | None = None
        self._mounts: Mounts | None = None
        self._uid: UidLease | None = None
        self._holding: int | None = None  # a lock on the state dir: the sandbox lives
        self._versions: dict[str, str] = {}
        self._runs = 0
        self._owner: str | None = None  # whose jobs this sandbox has run since it started

    @property
    def _lock_dir(self) -> Path:
        return self._lease_dir or machine_lease_dir()

    @property
    def uid(self) -> int | None:
        """The unprivileged uid the guest runs as while started (None when stopped)."""
        return self._uid.uid if self._uid is not None and self._proc is not None else None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> dict[str, str]:
        if self._proc is not None and self._proc.poll() is None:
            return self._versions
        self._stop()
        self._uid = UidLease(self._lock_dir)
        self._reap(self._uid.uid)
        self._mounts = self._make_mounts(self._uid.uid)
        argv = self._launcher.command(self.spec, self._mounts, self._uid.uid)
        stderr = (self._mounts.state / "guest.stderr").open("wb")
        self._proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
        stderr.close()
        self._send(self._guest_config())
        reply = self._receive(START_TIMEOUT_S)
        if reply is None or not reply.get("ready"):
            detail = (reply or {}).get("error") or self._guest_stderr()
            self._stop()
            raise SandboxError(f"{self.backend} sandbox failed to start: {detail}")
        self._versions = dict(reply.get("versions", {}))
        self._runs = 0
        log.info("sandbox started", extra={"backend": self.backend, "uid": self._uid.uid})
        return self._versions

    def close(self) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream:
                    stream.close()
            self._proc = None
        if self._mounts is not None:
            self._launcher.cleanup(self._mounts)
            remove_state(self._mounts.state)
            self._mounts = None
        if self._holding is not None:
            os.close(self._holding)
            self._holding = None
        if self._uid is not None:
            self._uid.release()
            self._uid = None
        self._owner = None

    def _reap(self, uid: int) -> None:
        """A dead host's leftovers for this uid: its backend's resources and its state dirs;
        and the state dirs of every uid no live sandbox holds (a killed worker's scratch, with
        its owner's files and tmpfs mounts, would otherwise wait for its uid to come round)."""
        self._launcher.reap(sandbox_name(self.farm, uid))
        for state in self._state_root.glob("sbx-*-*"):
            owner = state.name.split("-")[1]
            if owner == str(uid) or not state_in_use(state, self._lock_dir):
                remove_state(state)

    def _make_mounts(self, uid: int) -> Mounts:
        self._state_root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self._state_root.stat().st_uid == os.geteuid():
            self._state_root.chmod(0o700)  # the owner's files and scene code: nobody else's
        # Host-only: the guest sees what is mounted from it, never the dir (modes are explicit:
        # the farm runs under umask 077)
        state = Path(tempfile.mkdtemp(prefix=f"sbx-{uid}-", dir=self._state_root))
        self._holding = hold_state(state)
        scratch = state / "scratch"
        scratch.mkdir()  # root-owned: the guest cannot plant names in it
        _mount_tmpfs(scratch, self.spec.limits.scratch_mb, 0o755)
        (scratch / "jobs").mkdir()
        (scratch / "cache").mkdir()  # shared by this sandbox's jobs (one owner)
        for path, mode in ((scratch, 0o755), (scratch / "jobs", 0o755), (scratch / "cache", 0o700)):
            path.chmod(mode)
        dirs = (GUEST_DIR, *self.spec.guest_dirs)
        guest_dirs = {d.resolve(): f"{GUEST_ROOT}/guest{i}" for i, d in enumerate(dirs)}
        write_virtual_proc(state)
        name = sandbox_name(self.farm, uid)
        mounts = Mounts(
            name=name, farm=self.farm, scratch=scratch, guest_dirs=guest_dirs, state=state
        )
        if os.geteuid() != 0:
            return mounts
        os.chown(scratch / "cache", uid, uid)
        tmp, shm = state / "tmp", state / "shm"
        for path, size_mb in ((tmp, self.spec.limits.scratch_mb), (shm, SHM_MB)):
            path.mkdir()
            _mount_tmpfs(path, size_mb, 0o1777, "noexec")  # as Docker's /tmp: nothing runs from it
        return replace(mounts, tmp=tmp, shm=shm)

    def _guest_config(self) -> dict[str, Any]:
        assert self._mounts is not None
        scratch_mb = self.spec.limits.scratch_mb
        return {
            "paths": list(self._mounts.guest_dirs.values()),
            "preload": list(self.spec.preload),
            "env": {},
            # the jobs' shared cache may hold a quarter of the scratch space, in bytes and in
            # inodes; the free share is checked only on a scratch fs of the sandbox's own
            "cache": {
                "root": GUEST_CACHE,
                "max_bytes": (scratch_mb << 20) // 4,
                "max_inodes": tmpfs_inodes(scratch_mb) // 4,
                "scratch": GUEST_SCRATCH if self._mounts.scratch.is_mount() else "",
            },
        }

    # -- wire --------------------------------------------------------------------------------

    def _send(self, message: Mapping[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(message).encode() + b"\n")
        self._proc.stdin.flush()

    def _receive(self, timeout_s: float) -> dict[str, Any] | None:
        """One reply line, or None if the guest died or stayed silent past the timeout."""
        assert self._proc is not None and self._proc.stdout is not None
        stream: IO[bytes] = self._proc.stdout
        ready, _, _ = select.select([stream], [], [], timeout_s)
        if not ready:
            return None
        line = stream.readline(1 << 24)
        if not line:
            return None
        try:
            reply = json.loads(line)
        except ValueError:
            return None
        return reply if isinstance(reply, dict) else None

    def _guest_stderr(self) -> str:
        if self._mounts is None:
            return ""
        try:
            return sanitize((self._mounts.state / "guest.stderr").read_text(errors="replace"), 2000)
        except OSError:
            return ""

    # -- jobs --------------------------------------------------------------------------------

    def run(self, job: SandboxJob, dest_dir: Path) -> SandboxResult:
        self._bind_owner(job.owner or self.spec.owner)
        try:
            self.start()
            job_dir = self._prepare_job(job)
        except (OSError, SandboxError) as e:
            raise SandboxError(f"{self.backend} sandbox unusable: {e}") from e
        limits = job.limits or self.spec.limits
        assert self._mounts is not None
        mounts, ooms = self._mounts, self._launcher.oom_kills(self._mounts)
        started = time.monotonic()
        try:
            self._send(self._job_message(job, limits.as_wire()))
            reply = self._receive(limits.wall_s + REPLY_GRACE_S)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is not None and reply.get("sandbox_fault"):
            self._fault(job_dir, str(reply["sandbox_fault"]))
        try:
            result = self._verdict(job, reply, job_dir, dest_dir, time.monotonic() - started)
            result = _memory_verdict(result, self._launcher.oom_kills(mounts) - ooms)
        finally:
            remove_tree(job_dir)
        self._after(result, reply)
        return result

    def _fault(self, job_dir: Path, detail: str) -> None:
        """The sandbox, not the job, is unusable (it never ran the job): recycled, and a typed
        SandboxFault the farm retries elsewhere, never the scene's error."""
        remove_tree(job_dir)
        self._stop()
        log.warning("sandbox fault", extra={"backend": self.backend, "detail": detail})
        raise SandboxFault(f"{self.backend} sandbox fault: {sanitize(detail, 300)}")

    def _bind_owner(self, owner: str) -> None:
        """A sandbox serves one owner between starts: another owner's job gets a fresh one
        (stopping removes the state dir, and with it the caches the last owner's jobs wrote)."""
        if self._owner is not None and self._owner != owner and self._proc is not None:
            log.info("recycling sandbox for another owner", extra={"backend": self.backend})
            self._stop()
        self._owner = owner

    def _prepare_job(self, job: SandboxJob) -> Path:
        assert self._mounts is not None and self._uid is not None
        job_dir = self._mounts.scratch / "jobs" / job.job_id
        job_dir.mkdir(mode=0o700)
        for name, data in job.files.items():
            fd = os.open(
                job_dir / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644
            )
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        if os.geteuid() == 0:
            for path in (job_dir, *(job_dir / n for n in job.files)):
                os.chown(path, self._uid.uid, self._uid.uid, follow_symlinks=False)
        return job_dir

    def _job_message(self, job: SandboxJob, limits: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": job.job_id,
            "entry": job.entry,
            "payload": dict(job.payload),
            "workdir": f"{GUEST_SCRATCH}/jobs/{job.job_id}",
            "limits": limits,
        }

    def _after(self, result: SandboxResult, reply: Mapping[str, Any] | None) -> None:
        self._runs += 1
        violation = result.status not in (SandboxStatus.OK, SandboxStatus.ERROR)
        cache = str((reply or {}).get("cache", "ok"))
        if cache != "ok":
            log.info("sandbox cache: %s", sanitize(cache, 300), extra={"backend": self.backend})
        broken = cache.startswith("broken")  # its cache could not be restored: not reusable
        if violation or broken or self._runs >= self.spec.max_runs:
            log.info("recycling sandbox", extra={"backend": self.backend, "status": result.status})
            self._stop()

    def _verdict(
        self,
        job: SandboxJob,
        reply: dict[str, Any] | None,
        job_dir: Path,
        dest: Path,
        elapsed: float,
    ) -> SandboxResult:
        if reply is None or reply.get("id") != job.job_id:
            return self._guest_lost(job, elapsed)
        base = _base_result(reply)
        status, error, detail = _classify(reply)
        if status is SandboxStatus.OK:
            try:
                outputs = collect_outputs(
                    job_dir, job.outputs, dest, (job.limits or self.spec.limits).file_size_mb << 20
                )
            except OutputRejected as e:
                return SandboxResult(**base, status=SandboxStatus.OUTPUT_REJECTED, detail=str(e))
            return SandboxResult(
                **base, status=status, value=_value(reply).get("ok"), outputs=outputs
            )
        return SandboxResult(**base, status=status, error=error, detail=detail)

    def _guest_lost(self, job: SandboxJob, elapsed: float) -> SandboxResult:
        limits = job.limits or self.spec.limits
        timed_out = elapsed >= limits.wall_s
        detail = "the sandbox stopped answering" if timed_out else "the sandbox process died"
        stderr = self._guest_stderr()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()  # the verdict needs the backend's state (OOM counts) before cleanup
            self._proc.wait()
        status = SandboxStatus.TIMEOUT if timed_out else SandboxStatus.KILLED
        return SandboxResult(
            status=status, exit_code=None, duration_s=elapsed, detail=detail, stderr_tail=stderr
        )


def _memory_verdict(result: SandboxResult, oom_kills: int) -> SandboxResult:
    """A job whose process the kernel killed for memory failed for memory, not a crash."""
    if oom_kills <= 0 or result.status not in (SandboxStatus.KILLED, SandboxStatus.ERROR):
        return result
    detail = "memory limit exceeded (the kernel killed a process of the job)"
    return replace(result, status=SandboxStatus.MEMORY, detail=detail)


# Host-wide counters a job could time other tenants' work by (a side channel), replaced by
# still ones: CPU times, load, pressure stall information. The cpu lines keep their count
# (glibc counts CPUs from /proc/stat where /sys is hidden, and OpenBLAS sizes its pool by it).
VIRTUAL_PROC = "proc"  # in the state dir: stat, loadavg, and an empty dir for /proc/pressure
_LOADAVG = "0.00 0.00 0.00 1/1 1\n"
_STAT_TAIL = "intr 0\nctxt 0\nbtime 0\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n"


def write_virtual_proc(state: Path) -> Path:
    """Writes the still /proc files the backends bind over the real ones; returns their dir."""
    zeros = " 0" * 10
    cpus = "".join(f"cpu{i}{zeros}\n" for i in range(os.cpu_count() or 1))
    path = state / VIRTUAL_PROC
    (path / "empty").mkdir(parents=True)
    (path / "stat").write_text(f"cpu {zeros}\n{cpus}{_STAT_TAIL}")
    (path / "loadavg").write_text(_LOADAVG)
    for item, mode in (("stat", 0o444), ("loadavg", 0o444), ("empty", 0o555), (".", 0o755)):
        (path / item).chmod(mode)
    return path


def tmpfs_inodes(size_mb: int) -> int:
    """The inode cap that goes with a tmpfs of `size_mb`: plenty for rendering, not millions."""
    return max(1024, size_mb * 64)


def _mount_tmpfs(path: Path, size_mb: int, mode: int, *flags: str) -> None:
    """As root: `path` becomes its own tmpfs, so its size and inode count are capped."""
    if os.geteuid() != 0:
        return  # unprivileged: RLIMIT_FSIZE per file is the cap
    caps = [f"size={size_mb}m", f"nr_inodes={tmpfs_inodes(size_mb)}", f"mode={mode:04o}"]
    opts = ",".join([*caps, "nosuid", "nodev", *flags])
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "scenefarm", str(path)], check=True)


HELD_FILE = "held"


def hold_state(state: Path) -> int:
    """A lock on the state dir, held by its sandbox's owner (the worker process) while it
    lives: a reaper of the same farm then knows the dir is not a dead sandbox's."""
    fd = os.open(state / HELD_FILE, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def state_in_use(state: Path, lock_dir: Path | None = None) -> bool:
    """Whether a live sandbox has this state dir. Its lock says so; the uid in its name
    alone does not (once the sandbox died, another farm on this machine may lease that uid).
    A dir without the lock file (made before it existed, or a moment old) falls back to the
    uid's lease; anything unreadable counts as in use: left alone."""
    try:
        fd = os.open(state / HELD_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        uid = state.name.split("-")[1]
        return not uid.isdigit() or uid_in_use(int(uid), lock_dir)
    except OSError:
        return True
    return locked_elsewhere(fd)


def remove_tree(path: Path) -> None:
    """Removes a dir the sandbox wrote in, even where a job took the write or search bit off
    its dirs (unprivileged, that stops rmtree): dirs found by lstat are made usable again,
    links are removed as links."""

    def retry(func: Any, failed: str, _: Any) -> None:
        with contextlib.suppress(OSError):
            parent = Path(failed).parent
            if stat.S_ISDIR(parent.lstat().st_mode):
                parent.chmod(0o700)
            if stat.S_ISDIR(Path(failed).lstat().st_mode) and func is not os.rmdir:
                Path(failed).chmod(0o700)  # lstat said dir: chmod cannot follow a link here
                shutil.rmtree(failed, onerror=retry)
            else:
                func(failed)

    if not path.exists():
        return
    with contextlib.suppress(OSError):
        path.chmod(0o700)
    shutil.rmtree(path, onerror=retry)


def remove_state(state: Path) -> None:
    """Unmounts a state dir's tmpfs mounts and removes it (nothing in it is followed)."""
    for name in _SHARED_TMPFS:
        if (state / name).is_mount():
            subprocess.run(["umount", "--lazy", str(state / name)], check=False)
    shutil.rmtree(state, ignore_errors=True)


def _value(reply: Mapping[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(reply.get("value") or "null")
    except (ValueError, RecursionError):  # the job writes this: deep nesting must not crash us
        return {}
    return value if isinstance(value, dict) else {}


def _base_result(reply: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "exit_code": reply.get("exit_code"),
        "duration_s": float(reply.get("duration_s", 0.0)),
        "cpu_s": float(reply.get("cpu_s", 0.0)),
        "peak_memory_mb": float(reply.get("maxrss_kb", 0)) / 1024,
        "stdout_tail": sanitize(str(reply.get("stdout", ""))),
        "stderr_tail": sanitize(str(reply.get("stderr", ""))),
    }


def _job_error(reply: Mapping[str, Any]) -> JobError | None:
    raw = _value(reply).get("error")
    if not isinstance(raw, dict):
        return None
    raw_frames = raw.get("frames")
    raw_frames = raw_frames if isinstance(raw_frames, list) else []
    frames = tuple(f for f in map(_frame, raw_frames) if f is not None)
    number = raw.get("errno")
    return JobError(
        type=sanitize(str(raw.get("type", "")), 200),
        message=sanitize(str(raw.get("message", "")), 2000),
        traceback=sanitize(str(raw.get("traceback", "")), 4000),
        frames=frames,
        errno=number if type(number) is int else None,
    )


def _frame(raw: Any) -> tuple[str, int, str] | None:
    """One (file, line, function) frame as the guest reported it, or None if malformed."""
    if not isinstance(raw, list) or len(raw) != 3 or type(raw[1]) is not int:
        return None
    return str(raw[0])[:500], raw[1], str(raw[2])[:200]


_SIGNAL_STATUS: dict[int, tuple[SandboxStatus, str]] = {
    signal.SIGXCPU: (SandboxStatus.TIMEOUT, "CPU time limit exceeded"),
    signal.SIGXFSZ: (SandboxStatus.OUTPUT_REJECTED, "file size limit exceeded"),
    signal.SIGSEGV: (SandboxStatus.KILLED, "crashed (segmentation fault)"),
    signal.SIGKILL: (SandboxStatus.KILLED, "killed"),
}


def _classify(reply: Mapping[str, Any]) -> tuple[SandboxStatus, JobError | None, str]:
    """The host's verdict: from exit status and flags, never from what the job claims."""
    code = reply.get("exit_code")
    error = _job_error(reply)
    if reply.get("timed_out"):
        return SandboxStatus.TIMEOUT, error, "wall-clock limit exceeded"
    if reply.get("ipc_memory"):
        return SandboxStatus.MEMORY, error, "memory limit exceeded (SysV shared memory)"
    if reply.get("flooded"):
        return SandboxStatus.OUTPUT_REJECTED, error, "stdout/stderr exceeded the output cap"
    if code == 0 and "ok" in _value(reply):
        return SandboxStatus.OK, None, ""
    if isinstance(code, int) and code < 0:
        status, detail = _SIGNAL_STATUS.get(
            -code, (SandboxStatus.KILLED, f"killed by signal {-code}")
        )
        return status, error, detail
    if code == EXIT_MEMORY:
        return SandboxStatus.MEMORY, error, "memory limit exceeded"
    if code == EXIT_FORBIDDEN or _errno_forbidden(error):
        return SandboxStatus.FORBIDDEN, error, "operation not permitted in the sandbox"
    if _errno_in(error, {errno.EFBIG}):  # what SIGXFSZ becomes in Python, which ignores it
        return SandboxStatus.OUTPUT_REJECTED, error, "file size limit exceeded"
    if code == EXIT_ERROR and error is not None:
        return SandboxStatus.ERROR, error, error.message
    return SandboxStatus.ERROR, error, f"exited with code {code} without a result"


def _errno_forbidden(error: JobError | None) -> bool:
    return _errno_in(error, _FORBIDDEN_ERRNOS)


def _errno_in(error: JobError | None, errnos: set[int]) -> bool:
    """Whether the OS error behind the job's exception is one of `errnos`: as the guest reported
    it, else as an OSError's message starts. Not anywhere in the message: a scene's own
    RuntimeError quoting "[Errno 1]" is its own error, not a refusal."""
    if error is None:
        return False
    if error.errno is not None:
        return error.errno in errnos
    leading = _LEADING_ERRNO.match(error.message)
    return leading is not None and int(leading.group(1)) in errnos
