"""A warm sandbox is bound to one owner (issue 21, item 1): a job of another owner never finds
what the last owner's jobs left in the sandbox's cache; the same owner's jobs still share it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxJob, SandboxLimits, SandboxSpec, make_sandbox
from sandbox.docker import docker_ready
from sandbox.warm import WarmSandbox

pytestmark = pytest.mark.integration
GUEST = Path(__file__).parent / "guest"
LIMITS = SandboxLimits(cpu_s=10, wall_s=20, memory_mb=512, scratch_mb=64)


@pytest.fixture(params=["bwrap", "docker"])
def box(request: pytest.FixtureRequest) -> Iterator[WarmSandbox]:
    if request.param == "docker" and (reason := docker_ready()) is not None:
        if os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    spec = SandboxSpec(guest_dirs=(GUEST,), limits=LIMITS, owner="farm")
    sandbox = make_sandbox(request.param, spec)
    assert isinstance(sandbox, WarmSandbox)
    yield sandbox
    sandbox.close()


def _run(box: WarmSandbox, entry: str, owner: str, tmp: Path, **payload: str) -> object:
    result = box.run(SandboxJob(entry=f"owner_probe:{entry}", payload=payload, owner=owner), tmp)
    assert result.ok, (result.status, result.detail, result.stderr_tail)
    return result.value


def test_another_owner_never_reads_the_last_owners_cache(box: WarmSandbox, tmp_path: Path) -> None:
    secret = f"alice-formula-{secrets.token_hex(8)}"
    _run(box, "plant", "alice", tmp_path, secret=secret)
    assert _run(box, "look", "alice", tmp_path) == {"formula.svg": secret}, "the control"
    seen_by_bob = _run(box, "look", "bob", tmp_path)
    assert seen_by_bob == {}, "bob's job read alice's cache"
    _run(box, "plant", "bob", tmp_path, secret="forged")
    assert _run(box, "look", "alice", tmp_path) == {}, "alice's job read what bob planted"
