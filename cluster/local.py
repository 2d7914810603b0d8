"""The persistent local cluster: started on first use, reused after, stopped when idle or asked.

A cold `ray start` costs seconds; a CLI that paid it on every run could never be fast. So the
first run starts a head node in the background (like a build tool's daemon), records its
address in the data dir, and an idle watchdog stops it after `idle_s` without use.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

_SECRETISH = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|^AWS_", re.I)
START_TIMEOUT_S = 120


class ClusterStartError(Exception):
    """The local Ray cluster could not be started."""


def _dir(data_dir: Path) -> Path:
    path = data_dir / "ray"
    path.mkdir(parents=True, exist_ok=True)
    return path


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


def _clean_env() -> dict[str, str]:
    """The head (and so every worker) never sees the caller's credentials."""
    return {
        k: v
        for k, v in os.environ.items()
        if not _SECRETISH.search(k) and not k.startswith("RAY_ADDRESS")
    }


@contextlib.contextmanager
def _lock(data_dir: Path, mode: int) -> Iterator[None]:
    with (_dir(data_dir) / "lock").open("a") as f:
        fcntl.flock(f, mode)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def running_address(data_dir: Path) -> str | None:
    try:
        address = (_dir(data_dir) / "address").read_text().strip()
    except OSError:
        return None
    return address if address and _alive(address) else None


def ensure_local_cluster(
    data_dir: Path, num_cpus: int, idle_s: float, log: object = None
) -> tuple[str, bool]:
    """The address of our local head, starting one if none runs; and whether it was started now."""
    with _lock(data_dir, fcntl.LOCK_EX):
        address = running_address(data_dir)
        if address:
            return address, False
        port = _free_port()
        argv = [
            _ray_cli(),
            "start",
            "--head",
            f"--port={port}",
            f"--num-cpus={num_cpus}",
            "--include-dashboard=true",
            "--dashboard-host=127.0.0.1",
            "--disable-usage-stats",
        ]
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            env=_clean_env(),
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if done.returncode != 0:
            raise ClusterStartError(f"ray start failed: {done.stderr.strip()[-800:]}")
        address = f"127.0.0.1:{port}"
        (_dir(data_dir) / "address").write_text(address)
        touch(data_dir)
        _start_watchdog(data_dir, idle_s)
        return address, True


def _start_watchdog(data_dir: Path, idle_s: float) -> None:
    argv = [sys.executable, "-m", "cluster.idle_watchdog", str(data_dir), str(idle_s)]
    log = (_dir(data_dir) / "watchdog.log").open("a")
    subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
        env=_clean_env(),
    )
    log.close()


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
    """Stops the local head and its workers; True if one was running."""
    with _lock(data_dir, fcntl.LOCK_EX):
        was_running = running_address(data_dir) is not None
        subprocess.run(
            [_ray_cli(), "stop", "--force"],
            capture_output=True,
            env=_clean_env(),
            timeout=120,
            check=False,
        )
        (_dir(data_dir) / "address").unlink(missing_ok=True)
        return was_running
