"""The local Ray head listens on loopback only (issue 21, item 6): GCS, raylet, object manager,
dashboard and its agents, and the Ray Client server on a port of its own, not 10001."""

from __future__ import annotations

import ipaddress
import os
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from cluster.farm.ray_head import (
    LOOPBACK_ENV,
    _cluster_processes,
    auth_env,
    ensure_local_cluster,
    stop_local_cluster,
)

pytestmark = pytest.mark.integration


def _listening(pids: set[int]) -> list[tuple[str, int, int]]:
    """(address, port, pid) of every socket these processes listen on."""
    return [
        (c.laddr.ip, c.laddr.port, c.pid)
        for c in psutil.net_connections("inet")
        if c.pid in pids and c.status == psutil.CONN_LISTEN
    ]


def _loopback(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return (mapped or address).is_loopback


def test_local_head_listens_on_loopback_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    address, started = ensure_local_cluster(data_dir, num_cpus=1, idle_s=600, environ=os.environ)
    try:
        assert started
        pids = {p.pid for p in _cluster_processes(address.rpartition(":")[2])}
        sockets = _listening(pids)
        assert len(sockets) >= 3, f"the control: the head's services listen ({sockets})"
        exposed = [s for s in sockets if not _loopback(s[0])]
        assert exposed == [], f"listening beyond loopback: {exposed}"
        assert 10001 not in {port for _, port, _ in sockets}, "the machine-wide client port"
        # the farm's own state is private (item 8)
        for path in (data_dir, data_dir / "ray", data_dir / "sandboxes"):
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    finally:
        stop_local_cluster(data_dir)


DRIVER = """
import sys, ray
ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)
print("joined", sum(ray.cluster_resources().values()) > 0)
"""


def _driver(address: str, env: dict[str, str], timeout_s: float) -> str:
    """What a driver printed: "joined True" if it joined within the deadline (Ray keeps
    retrying a refused driver, so a refusal may also end at the deadline)."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, address],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        return str(e.stdout or "")
    return done.stdout + done.stderr[-2000:]


def test_only_a_driver_with_the_token_joins(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    address, _ = ensure_local_cluster(data_dir, num_cpus=1, idle_s=600, environ=os.environ)
    try:
        token = Path(auth_env(data_dir)["RAY_AUTH_TOKEN_PATH"])
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
        # both drivers know the head is on loopback (as ray_head tells every driver); only one
        # has the token
        bare = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        bare |= LOOPBACK_ENV
        with_token = _driver(address, {**bare, **auth_env(data_dir)}, 180)
        assert "joined True" in with_token, with_token
        assert "joined" not in _driver(address, bare, 60)
    finally:
        stop_local_cluster(data_dir)


def test_private_dirs_are_0700_under_any_umask(tmp_path: Path) -> None:
    from cluster.farm.ray_head import private_dir

    old = os.umask(0o022)
    try:
        made = private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for path in (made, made.parent, made.parent.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
