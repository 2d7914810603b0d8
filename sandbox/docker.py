"""Docker backend: one hardened container per warm sandbox, created with the docker SDK.

The container runs the same guest (zygote) as bwrap, from the image built by the repo's
Dockerfile: no network, read-only root, size-capped tmpfs, an unprivileged uid, no capabilities,
no-new-privileges, Docker's default seccomp profile, memory/CPU/pids limits and ulimits. The
guest's stdin/stdout are attached with `docker start --attach --interactive`, so the host side
(`WarmSandbox`) speaks the same line protocol to it as to bwrap. Containers are labelled; any left
by a crashed host are removed when their uid is leased again, or by `reap_containers`.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path
from typing import Any

from sandbox.bwrap import write_identity, zygote_argv
from sandbox.env import sandbox_env
from sandbox.protocol import SandboxSpec
from sandbox.result import SandboxError, SandboxUnavailable
from sandbox.uids import uid_in_use
from sandbox.warm import (
    GUEST_OVERHEAD_MB,
    GUEST_ROOT,
    GUEST_SCRATCH,
    SHM_MB,
    VIRTUAL_PROC,
    Mounts,
    farm_id,
    tmpfs_inodes,
)

log = logging.getLogger(__name__)

DEFAULT_IMAGE = "scenefarm-sandbox:latest"
LABEL = "scenefarm.sandbox"
FARM_LABEL = "scenefarm.farm"  # farm_id() of the farm whose sandbox it is
NOFILE = 1024
CPU_GRACE_S = 2  # the guest's CPU_KILL_GRACE_S (sandbox/guest/zygote.py)
# Paths hidden from the job (an empty dir or /dev/null in their place). Setting them replaces
# Docker's own list, so that list comes first (moby's defaults, as of Engine 20.10-25), then
# /proc/pressure: host-wide pressure stall figures, a timing side channel on other tenants.
MASKED_PATHS = (
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/devices/virtual/powercap",
    "/proc/pressure",
)


def _client(timeout_s: float = 10.0) -> Any:
    import docker  # the SDK; imported here so bwrap-only machines never need a daemon

    try:
        client = docker.from_env(timeout=timeout_s)
        client.ping()
    except Exception as e:  # docker raises DockerException, requests errors, FileNotFoundError...
        raise SandboxUnavailable(f"no Docker daemon reachable: {e}") from e
    return client


def docker_ready(image: str = DEFAULT_IMAGE) -> str | None:
    """None when the daemon answers and `image` is present, else the reason it is not usable."""
    try:
        client = _client(timeout_s=3.0)
    except SandboxUnavailable as e:
        return str(e)
    try:
        client.images.get(image)
    except Exception:  # noqa: BLE001 (docker-py raises several types: any means not usable)
        return f"Docker image {image} is not built (run scripts/build-image.sh)"
    finally:
        client.close()
    if shutil.which("docker") is None:
        return "the docker command-line client is not installed"
    return None


class DockerLauncher:
    name = "docker"

    def __init__(
        self, image: str = DEFAULT_IMAGE, runtime: str | None = None, cpus: float = 1.0
    ) -> None:
        reason = docker_ready(image)
        if reason is not None:
            raise SandboxUnavailable(reason)
        self.image = image
        self.runtime = runtime or None  # e.g. "runsc" for gVisor
        self.cpus = cpus
        self._client = _client()

    def command(self, spec: SandboxSpec, mounts: Mounts, uid: int) -> list[str]:
        write_identity(mounts.state, uid)
        self.reap(mounts.name)
        try:
            container_id = self._create(self._config(spec, mounts, uid))
        except Exception as e:
            raise SandboxError(f"docker could not create the sandbox container: {e}") from e
        (mounts.state / "container").write_text(container_id)
        return ["docker", "start", "--attach", "--interactive", container_id]

    def _create(self, config: dict[str, Any]) -> str:
        """Creates the container as docker-py's `containers.create` does, plus the masked
        paths, which its keyword arguments cannot carry (Engine API HostConfig.MaskedPaths)."""
        from docker.models.containers import _create_container_args

        api = self._client.api
        args = _create_container_args({**config, "version": api._version})
        args["host_config"]["MaskedPaths"] = list(MASKED_PATHS)
        created: dict[str, Any] = api.create_container(**args)
        return str(created["Id"])

    def cleanup(self, mounts: Mounts) -> None:
        with contextlib.suppress(OSError):
            self._remove((mounts.state / "container").read_text().strip())

    def reap(self, name: str) -> None:
        """Removes this farm's container for the uid we now hold, left by a host that died.
        Only this farm's name: another farm's containers are never ours to remove."""
        self._remove(_container_name(name))

    def oom_kills(self, mounts: Mounts) -> int:
        """How many processes the kernel killed for memory in this container so far."""
        try:
            container_id = (mounts.state / "container").read_text().strip()
        except OSError:
            return 0
        count = _read_oom_kills(_cgroup_dirs(container_id))
        if count is not None:
            return count
        try:  # the container is gone with its cgroup: Docker remembers whether OOM ended it
            state = self._client.api.inspect_container(container_id)["State"]
        except Exception:  # noqa: BLE001 (the container is gone: nothing to tell)
            return 0
        return 1 << 20 if state.get("OOMKilled") else 0

    def _remove(self, ref: str) -> None:
        import docker.errors

        try:
            self._client.containers.get(ref).remove(force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as e:
            if "already in progress" not in str(e):
                log.warning("could not remove sandbox container %s: %s", ref, e)

    def _config(self, spec: SandboxSpec, mounts: Mounts, uid: int) -> dict[str, Any]:
        import docker.types

        limits = spec.limits
        binds = {str(mounts.scratch): {"bind": GUEST_SCRATCH, "mode": "rw"}}
        binds |= {str(mounts.state / f): {"bind": f"/etc/{f}", "mode": "ro"} for f in _IDENTITY}
        binds |= {
            str(host): {"bind": guest, "mode": "ro"} for host, guest in mounts.guest_dirs.items()
        }
        # Host-wide CPU and load counters replaced by still ones (runc allows binds over these
        # two; /proc/pressure it does not, so it is masked: MASKED_PATHS)
        binds |= {
            str(mounts.state / VIRTUAL_PROC / f): {"bind": f"/proc/{f}", "mode": "ro"}
            for f in ("stat", "loadavg")
        }
        memory = f"{limits.memory_mb + GUEST_OVERHEAD_MB}m"
        mb = 1 << 20
        ulimits = [
            docker.types.Ulimit(name="nproc", soft=limits.processes + 8, hard=limits.processes + 8),
            docker.types.Ulimit(
                name="fsize", soft=limits.file_size_mb * mb, hard=limits.file_size_mb * mb
            ),
            # SIGXCPU at the limit, SIGKILL only later: as the guest sets it for each job
            docker.types.Ulimit(name="cpu", soft=limits.cpu_s, hard=limits.cpu_s + CPU_GRACE_S),
            docker.types.Ulimit(name="nofile", soft=NOFILE, hard=NOFILE),
            docker.types.Ulimit(name="core", soft=0, hard=0),
        ]
        config: dict[str, Any] = {
            "image": self.image,
            "command": zygote_argv(f"{GUEST_ROOT}/venv/bin/python"),
            "name": _container_name(mounts.name),
            "labels": {
                LABEL: "1",
                FARM_LABEL: mounts.farm,
                "scenefarm.owner": spec.owner,
                "scenefarm.uid": str(uid),
            },
            "user": f"{uid}:{uid}",
            "environment": sandbox_env(spec.env),
            "working_dir": GUEST_SCRATCH,
            "hostname": "sandbox",
            # The guest itself is pid 1 (it reaps every orphan after each job). Not docker-init:
            # that runs as the job's uid, stays dumpable and holds the guest's stdin/stdout, so a
            # job could write a forged verdict to /proc/1/fd/1 (the guest is not dumpable).
            "init": False,
            "stdin_open": True,
            "network_mode": "none",
            "ipc_mode": "private",
            "read_only": True,
            # /sys hidden under an empty read-only tmpfs: devices, firmware, the host's cgroups
            "tmpfs": {
                "/tmp": _tmpfs(limits.scratch_mb),
                "/dev/shm": _tmpfs(SHM_MB),
                "/sys": "ro,nosuid,nodev,noexec,size=4k,mode=0555",
            },
            "volumes": binds,
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],  # and Docker's default seccomp profile
            "mem_limit": memory,
            "memswap_limit": memory,  # no swap
            "pids_limit": limits.processes + 32,
            "nano_cpus": int(self.cpus * 1e9),
            "ulimits": ulimits,
            "log_config": docker.types.LogConfig(type="none"),
        }
        if self.runtime:
            config["runtime"] = self.runtime
        return config


_IDENTITY = ("passwd", "group")


def _tmpfs(size_mb: int) -> str:
    """Mount options of a world-writable tmpfs capped in size and inodes (Docker's shm_size
    caps only the size: a job could fill /dev/shm with millions of empty files)."""
    return f"rw,nosuid,nodev,noexec,size={size_mb}m,nr_inodes={tmpfs_inodes(size_mb)},mode=1777"


def _container_name(name: str) -> str:
    return f"scenefarm-{name}"


def _cgroup_dirs(container_id: str) -> list[Path]:
    """Where the container's memory cgroup can be, for cgroup v1 and v2 and both drivers."""
    root = Path("/sys/fs/cgroup")
    return [
        root / "memory" / "docker" / container_id,
        root / "memory" / "system.slice" / f"docker-{container_id}.scope",
        root / "system.slice" / f"docker-{container_id}.scope",
        root / "docker" / container_id,
    ]


def _read_oom_kills(dirs: list[Path]) -> int | None:
    for d in dirs:
        for name in ("memory.oom_control", "memory.events"):
            with contextlib.suppress(OSError):
                for line in (d / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
    return None


def _dead_sandbox(container: Any) -> bool:
    """Its sandbox is gone. "Exited" is enough: its uid may be another farm's now (leases are
    machine-wide), so the uid alone would keep it for ever."""
    if container.status in ("exited", "dead"):
        return True
    uid = int(container.labels.get("scenefarm.uid", "0") or 0)
    return not uid or not uid_in_use(uid)


def reap_containers(state_root: Path | None = None, timeout_s: float = 3.0) -> int:
    """Removes this farm's sandbox containers (the farm of `state_root`) that no live sandbox
    has: exited ones always (a live sandbox's container runs), others when no live sandbox
    holds their uid (a created or running one may be a sandbox of this farm starting up).
    Another farm's are never touched. `timeout_s` bounds each call to the daemon; without an
    answer, nothing is removed."""
    farm = farm_id(state_root)
    try:
        client = _client(timeout_s=timeout_s)
    except SandboxUnavailable:
        return 0
    removed = 0
    try:
        found = client.containers.list(all=True, filters={"label": [LABEL, f"{FARM_LABEL}={farm}"]})
        for container in (c for c in found if _dead_sandbox(c)):
            container.remove(force=True)
            removed += 1
    finally:
        client.close()
    return removed
