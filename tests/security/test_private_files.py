"""What the farm writes is its own (issue 21, item 8): the embedded Redis's dir and every file
it writes (the AOF holds webhook secrets and scene code) are unreadable by other local users,
whatever the caller's umask."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from cluster.jobs.redis_server import ensure_local_redis, redis_dir, stop_local_redis

pytestmark = pytest.mark.integration


def _others_can_read(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)


def test_embedded_redis_files_are_private(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (scripts/install-system.sh installs it)")
    data_dir = tmp_path / "custom" / "data"
    old = os.umask(0o022)
    try:
        ensure_local_redis(data_dir)
    finally:
        os.umask(old)
    try:
        home = redis_dir(data_dir)
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE(home.stat().st_mode) == 0o700
        written = [p for p in home.rglob("*") if not p.is_socket()]
        assert written, "the control: redis wrote its files"
        assert [p for p in written if _others_can_read(p)] == []
    finally:
        stop_local_redis(data_dir)


def test_sandbox_state_is_private(tmp_path: Path) -> None:
    from sandbox import SandboxSpec, make_sandbox
    from sandbox.warm import WarmSandbox

    root = tmp_path / "sandboxes"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    sandbox = make_sandbox("bwrap", SandboxSpec(owner="private-test"), state_root=root)
    assert isinstance(sandbox, WarmSandbox)
    try:
        sandbox.start()
        states = list(root.glob("sbx-*"))
        assert len(states) == 1, "the control: a state dir was made"
        for path in (root, states[0]):
            assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    finally:
        sandbox.close()
