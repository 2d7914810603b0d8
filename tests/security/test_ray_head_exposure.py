"""The local Ray head listens on loopback only (issue 21, item 6): GCS, raylet, object manager,
dashboard and its agents, and the Ray Client server on a port of its own, not 10001."""

from __future__ import annotations

import ipaddress
import os
import stat
from pathlib import Path

import psutil
import pytest

from cluster.farm.ray_head import _cluster_processes, ensure_local_cluster, stop_local_cluster

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
    address, started = ensure_local_cluster(data_dir, num_cpus=1, idle_s=600)
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


def test_private_dirs_are_0700_under_any_umask(tmp_path: Path) -> None:
    from cluster.farm.ray_head import private_dir

    old = os.umask(0o022)
    try:
        made = private_dir(tmp_path / "a" / "b" / "c")
    finally:
        os.umask(old)
    for path in (made, made.parent, made.parent.parent):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
