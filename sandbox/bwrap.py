"""bubblewrap backend: own namespaces, read-only system, private scratch, unprivileged uid.

As root, bwrap runs without a user namespace (one would map the sandbox user to host root) and
`setpriv` drops to the sandbox's own uid with no capabilities and no_new_privs. As non-root,
bwrap makes a user namespace for the caller's own uid and forbids further ones.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from sandbox import cgroups
from sandbox.env import sandbox_env
from sandbox.protocol import SandboxSpec
from sandbox.result import SandboxUnavailable
from sandbox.warm import (
    GUEST_OVERHEAD_MB,
    GUEST_ROOT,
    GUEST_SCRATCH,
    SHM_MB,
    VIRTUAL_PROC,
    Mounts,
)

# What rendering needs from the host, read-only. Anything else (home dirs, /etc/shadow,
# sockets, other lessons' files) simply does not exist inside.
_RO_PATHS = (
    "/usr",
    "/etc/fonts",
    "/etc/texmf",
    "/etc/ld.so.cache",
    "/etc/alternatives",
    "/var/lib/texmf",
    "/var/cache/fontconfig",
)
_MERGED_USR = ("/bin", "/sbin", "/lib", "/lib64")
_PASSWD_FILE = "root:x:0:0::/:/usr/sbin/nologin\nscene:x:{uid}:{uid}::/tmp/home:/usr/sbin/nologin\n"  # noqa: S105 (an /etc/passwd, no password)
_GROUP_FILE = "root:x:0:\nscene:x:{uid}:\n"


def write_identity(state: Path, uid: int) -> None:
    """A passwd and group naming the sandbox uid, bound over /etc/passwd and /etc/group."""
    for name, text in (("passwd", _PASSWD_FILE), ("group", _GROUP_FILE)):
        (state / name).write_text(text.format(uid=uid))
        (state / name).chmod(0o644)  # the sandbox uid reads them (the farm's umask is 077)


def zygote_argv(python: str) -> list[str]:
    boot = f"import sys; sys.path.insert(0, '{GUEST_ROOT}/guest0'); import zygote; zygote.main()"
    return [python, "-I", "-c", boot]


class BwrapLauncher:
    name = "bwrap"

    def __init__(self, venv: Path | None = None) -> None:
        if shutil.which("bwrap") is None:
            raise SandboxUnavailable("bubblewrap (bwrap) is not installed")
        self.venv = (venv or Path(sys.prefix)).resolve()
        self.root = os.geteuid() == 0
        if self.root and shutil.which("setpriv") is None:
            raise SandboxUnavailable("setpriv (util-linux) is needed to drop privileges as root")
        self._cgroup: cgroups.Cgroup | None = None

    def command(self, spec: SandboxSpec, mounts: Mounts, uid: int) -> list[str]:
        write_identity(mounts.state, uid)
        argv = ["bwrap", *self._namespaces(), *self._filesystem(spec, mounts), *self._env(spec)]
        argv += ["--chdir", GUEST_SCRATCH, "--"]
        argv += self._drop_privileges(uid) + zygote_argv(f"{GUEST_ROOT}/venv/bin/python")
        if self.root:
            memory_mb = spec.limits.memory_mb + GUEST_OVERHEAD_MB
            self._cgroup = cgroups.create(mounts.name, memory_mb, spec.limits.processes + 32)
        return cgroups.wrap(argv, self._cgroup)

    def cleanup(self, mounts: Mounts) -> None:  # noqa: ARG002 (the Launcher protocol's)
        """bwrap's namespaces vanish with its process; its cgroup is ours to remove."""
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None

    def reap(self, name: str) -> None:
        """Removes what a dead host left under this name: its cgroup and any process in it.
        The name is this farm's and the uid's, whose lease we hold: no live sandbox has it."""
        if self.root:
            cgroups.remove_stale(name)

    def oom_kills(self, mounts: Mounts) -> int:  # noqa: ARG002 (the Launcher protocol's)
        return self._cgroup.oom_kills() if self._cgroup is not None else 0

    def _namespaces(self) -> list[str]:
        ns = [
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
        ]
        ns += ["--hostname", "sandbox", "--die-with-parent", "--new-session"]
        if self.root:
            return [
                *ns,
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
                "--cap-add",
                "CAP_SETPCAP",
            ]
        return [*ns, "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]

    def _filesystem(self, spec: SandboxSpec, mounts: Mounts) -> list[str]:
        args: list[str] = []
        for path in _MERGED_USR:
            target = os.readlink(path) if os.path.islink(path) else None
            args += ["--symlink", target, path] if target else ["--ro-bind-try", path, path]
        for parent in ("/etc", "/var", "/var/lib", "/var/cache", GUEST_ROOT):
            args += ["--perms", "0755", "--dir", parent]  # bwrap would make them 0700 as root
        for path in _RO_PATHS:
            args += ["--ro-bind-try", path, path]
        args += ["--ro-bind", str(mounts.state / "passwd"), "/etc/passwd"]
        args += ["--ro-bind", str(mounts.state / "group"), "/etc/group"]
        args += ["--proc", "/proc", "--dev", "/dev", *_still_proc(mounts.state)]
        args += _shared_tmp(mounts.tmp, "/tmp", spec.limits.scratch_mb)
        args += _shared_tmp(mounts.shm, "/dev/shm", SHM_MB)
        args += ["--ro-bind", str(self.venv), f"{GUEST_ROOT}/venv"]
        for host, guest in mounts.guest_dirs.items():
            args += ["--ro-bind", str(host), guest]
        args += ["--bind", str(mounts.scratch), GUEST_SCRATCH]
        return args

    def _env(self, spec: SandboxSpec) -> list[str]:
        args = ["--clearenv"]
        for name, value in sandbox_env(spec.env).items():
            args += ["--setenv", name, value]
        return args

    def _drop_privileges(self, uid: int) -> list[str]:
        if not self.root:
            return []
        return [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]


def _still_proc(state: Path) -> list[str]:
    """Host-wide CPU, load and pressure counters replaced by still ones (warm.VIRTUAL_PROC)."""
    virtual = state / VIRTUAL_PROC
    args = []
    for name in ("stat", "loadavg"):
        args += ["--ro-bind", str(virtual / name), f"/proc/{name}"]
    if Path("/proc/pressure").is_dir():
        args += ["--ro-bind", str(virtual / "empty"), "/proc/pressure"]
    return args


def _shared_tmp(host: Path | None, guest: str, size_mb: int) -> list[str]:
    """A world-writable tmp dir: the host's capped tmpfs where there is one (root), else bwrap's
    own, whose only cap is its size."""
    if host is not None:
        return ["--bind", str(host), guest]
    return ["--perms", "1777", "--size", str(size_mb << 20), "--tmpfs", guest]
