"""The persistent local cluster: started on first use, reused after, stopped when idle or asked.

A cold `ray start` costs seconds; a CLI that paid it on every run could never be fast. So the
first run starts a head node in the background (like a build tool's daemon), records its
address in the data dir, and an idle watchdog stops it after `idle_s` without use.

Exposure: Ray has no authentication by default, and whoever can reach a cluster's GCS, raylet
or client port can run code on it (as the user the cluster runs as: root, here). The local head
therefore binds every service to 127.0.0.1 (node, dashboard, its agents, the Ray Client server on
a random port of its own instead of the machine-wide 10001), so nothing off this machine can
reach it. Local users could still connect, so the head also requires Ray's token authentication
(RAY_AUTH_MODE=token): the token is a random secret in the data dir's private `ray/` dir, and a
process joins with it because every way of finding the local head (`ensure_local_cluster`,
`running_address`) puts the token's path in its environment before Ray is imported; Ray's
own processes inherit it from the head.

Why root at all: the bwrap backend, as root, mounts the capped tmpfs dirs (size *and* inodes) of
each sandbox, makes its memory/pids cgroup and drops the guest to a per-sandbox uid with
`setpriv`; the docker backend needs the daemon's socket. Nothing else in the cluster needs it.

Each farm (data dir) keeps its sandboxes' state under `<data dir>/sandboxes`: its farm id
(sandbox.farm_id) names its cgroups and containers, and `stop_local_cluster` removes only those.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import psutil

from cluster.farm import ray_api
from cluster.farm.nodes import failure_detection_env
from sandbox import reap_farm

_SECRETISH = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|^AWS_", re.I)
START_TIMEOUT_S = 120
DASHBOARD_PORT = 8265
# Processes that live only as long as the cluster: pid file in the state dir -> the module
# in their command line. The render server is api.render_server (api/render_client.py).
# Ray binds its gRPC servers (GCS, raylet, object manager, agents) to 127.0.0.1 only when the
# node's IP is exactly that, but `ray start --node-ip-address=127.0.0.1` swaps a loopback address
# for the machine's routable one unless Ray thinks multi-node clusters are off: a single-node
# head is what we start, so say so.
LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
TOKEN_FILE = "auth_token"  # noqa: S105 (the token's file name, not a token)
ATTACHED = {"watchdog.pid": "cluster.farm.idle_watchdog", "render_server.pid": "api.render_server"}


class ClusterStartError(Exception):
    """The local Ray cluster could not be started."""


def _dir(data_dir: Path) -> Path:
    path = data_dir / "ray"
    private_dir(path)
    return path


def private_dir(path: Path) -> Path:
    """`path`, made if missing with every new parent 0700 (the data dir holds the Redis AOF,
    with webhook secrets and scene code, and the lessons' videos); our own dir made 0700 too."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for new in reversed(missing):
        with contextlib.suppress(FileExistsError):
            new.mkdir(mode=0o700)
    path.chmod(0o700)
    return path


def sandbox_root(data_dir: Path) -> Path:
    """Where this farm's sandboxes keep their state; it names the farm (sandbox.farm_id)."""
    return data_dir / "sandboxes"


def _ray_cli() -> str:
    candidate = Path(sys.executable).with_name("ray")
    return str(candidate) if candidate.exists() else "ray"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def _clean_env(environ: Mapping[str, str], data_dir: Path | None = None) -> dict[str, str]:
    """The head's environment: the caller's (`environ`, given by the front door that read it),
    less credentials, so the head and every worker never see them."""
    env = {
        k: v
        for k, v in environ.items()
        if not _SECRETISH.search(k) and not k.startswith("RAY_ADDRESS")
    }
    env.setdefault("PATH", os.defpath)
    if data_dir is not None:
        private_dir(sandbox_root(data_dir))
        env.update(LOOPBACK_ENV)
        env.update(auth_env(data_dir))
        env.update(failure_detection_env())  # a lost node is noticed in seconds
    return env


def head_argv(port: int, num_cpus: int, dashboard: int) -> list[str]:
    """`ray start` for a head that listens on loopback only (see the module docstring)."""
    return [
        _ray_cli(),
        "start",
        "--head",
        f"--port={port}",
        "--node-ip-address=127.0.0.1",
        f"--ray-client-server-port={_free_port()}",  # not 10001, which every farm would share
        f"--num-cpus={num_cpus}",
        f'--resources={{"{ray_api.RUNNER_RESOURCE}": 1000}}',  # the lesson runners' place
        "--include-dashboard=true",
        "--dashboard-host=127.0.0.1",
        f"--dashboard-port={dashboard}",
        "--disable-usage-stats",
    ]


@contextlib.contextmanager
def _lock(data_dir: Path, mode: int) -> Iterator[None]:
    with (_dir(data_dir) / "lock").open("a") as f:
        fcntl.flock(f, mode)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def token_path() -> Path:
    """This OS user's token for the local heads it starts, 0600 in a 0700 dir of its home.

    One per user, not per data dir: Ray loads the token once per process, so a process that
    joins heads of two data dirs (a test session, a render server) must find the same one;
    and what it keeps out is other local users, who cannot read it."""
    home = Path(pwd.getpwuid(os.geteuid()).pw_dir)
    return home / ".scenefarm" / TOKEN_FILE


def auth_env(data_dir: Path) -> dict[str, str]:  # noqa: ARG001 (every head of this user's)
    """What a process needs in its environment (before importing Ray) to join the local head."""
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token_path())}


def ensure_token() -> None:
    """This user's token, made on first use."""
    path = token_path()
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))


def _join_env(data_dir: Path) -> None:
    """This process will join the local head: with its token, and taking 127.0.0.1 for what it
    is (Ray rewrites a loopback address to the machine's routable one unless multi-node is
    off, and the head listens on loopback only). Ray reads both when it is imported and when
    it connects: every driver finds the head through here before it imports Ray."""
    ray_api.use_env(LOOPBACK_ENV)
    if token_path().is_file():
        ray_api.use_env(auth_env(data_dir))


def running_address(data_dir: Path) -> str | None:
    try:
        address = (data_dir / "ray" / "address").read_text().strip()
    except OSError:
        return None
    if not address or not _alive(address):
        return None
    _join_env(data_dir)
    return address


def ensure_local_cluster(
    data_dir: Path, num_cpus: int, idle_s: float, environ: Mapping[str, str]
) -> tuple[str, bool]:
    """The address of our local head, starting one if none runs; and whether it was started now."""
    with _lock(data_dir, fcntl.LOCK_EX):
        address = running_address(data_dir)
        if address:
            return address, False
        port, dashboard = _free_port(), dashboard_port()
        ensure_token()
        done = subprocess.run(
            head_argv(port, num_cpus, dashboard),
            capture_output=True,
            text=True,
            env=_clean_env(environ, data_dir),
            umask=0o077,  # Ray's session dirs and logs, and all its workers write: ours alone
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise ClusterStartError(f"ray start failed: {done.stderr.strip()[-800:]}")
        address = f"127.0.0.1:{port}"
        (_dir(data_dir) / "address").write_text(address)
        (_dir(data_dir) / "dashboard").write_text(f"http://127.0.0.1:{dashboard}")
        touch(data_dir)
        _start_watchdog(data_dir, idle_s, environ)
        _join_env(data_dir)
        return address, True


def _start_watchdog(data_dir: Path, idle_s: float, environ: Mapping[str, str]) -> None:
    argv = [sys.executable, "-m", "cluster.farm.idle_watchdog", str(data_dir), str(idle_s)]
    log = (_dir(data_dir) / "watchdog.log").open("a")
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        env=_clean_env(environ),
        umask=0o077,
    )
    log.close()
    (_dir(data_dir) / "watchdog.pid").write_text(str(proc.pid))


def dashboard_url(data_dir: Path) -> str:
    try:
        return (data_dir / "ray" / "dashboard").read_text().strip()
    except OSError:
        return "unknown"


def dashboard_port() -> int:
    """Ray's usual 8265 when free (another cluster may hold it), else any free port."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", DASHBOARD_PORT))
        except OSError:
            return _free_port()
    return DASHBOARD_PORT


def touch(data_dir: Path) -> None:
    (_dir(data_dir) / "last_used").touch()


def idle_for(data_dir: Path) -> float:
    try:
        return time.time() - (_dir(data_dir) / "last_used").stat().st_mtime
    except OSError:
        return float("inf")


@contextlib.contextmanager
def in_use(data_dir: Path) -> Iterator[None]:
    """Held for a whole run: the watchdog never stops a cluster that is rendering."""
    with (_dir(data_dir) / "in_use").open("a") as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        touch(data_dir)
        try:
            yield
        finally:
            touch(data_dir)
            fcntl.flock(f, fcntl.LOCK_UN)


def try_stop_if_idle(data_dir: Path, idle_s: float) -> bool:
    """Stops the cluster if nobody used it for idle_s and no run holds it."""
    with (_dir(data_dir) / "in_use").open("a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        try:
            if idle_for(data_dir) < idle_s:
                return False
            stop_local_cluster(data_dir)
            return True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def stop_local_cluster(data_dir: Path) -> bool:
    """Stops this data dir's head, its workers and its watchdog; True if one was running.

    Only processes of this cluster (found by its GCS port) are stopped: `ray stop` would end
    every Ray process on the machine, other users' clusters included.
    """
    if not (data_dir / "ray").is_dir():
        return False
    with _lock(data_dir, fcntl.LOCK_EX):
        address = running_address(data_dir)
        if address is not None:
            port = address.rpartition(":")[2]
            # A daemon being stopped may still start a process (a raylet restarting an actor's
            # worker): look again until none is left, so nothing of the cluster outlives it.
            for _ in range(3):
                procs = _cluster_processes(port)
                if not procs:
                    break
                _terminate(procs)
        (_dir(data_dir) / "address").unlink(missing_ok=True)
        for pid_file, marker in ATTACHED.items():
            _stop_attached(data_dir, pid_file, marker)
        # What its killed workers left: this farm's containers, cgroups and state dirs only.
        reap_farm(sandbox_root(data_dir))
        return address is not None


def _cluster_processes(port: str) -> list[psutil.Process]:
    """The cluster's daemons (their command lines carry the GCS port) and all they started."""
    roots = []
    for proc in psutil.process_iter(["cmdline"]):
        args = proc.info["cmdline"] or []
        if proc.pid != os.getpid() and any(a.endswith((f":{port}", f"={port}")) for a in args):
            roots.append(proc)
    family = {p.pid: p for root in roots for p in [root, *_descendants(root)]}
    return list(family.values())


def _descendants(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return list(proc.children(recursive=True))
    except psutil.Error:
        return []


def _terminate(procs: list[psutil.Process], grace_s: float = 10.0) -> None:
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace_s)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=grace_s)


def _stop_attached(data_dir: Path, name: str, marker: str) -> None:
    """Stops a process that lives only as long as the cluster (pid file, command line)."""
    pid_file = data_dir / "ray" / name
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return
    pid_file.unlink(missing_ok=True)
    if pid == os.getpid():
        return
    with contextlib.suppress(psutil.Error):
        proc = psutil.Process(pid)
        if marker in " ".join(proc.cmdline()):
            proc.terminate()
