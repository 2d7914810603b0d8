"""The attack suite: every hostile scene in attacks/ against every sandbox backend available.

Each case must end as its expected typed result (expectations.py), and the host must be
unchanged: no secret or canary content in anything that came back, the canary file untouched,
the host's Redis still up, nothing of the sandbox left (processes in its pid namespace or of its
uid, its container, files of its uid in the usual places), the sandbox recycled after a
violation and kept warm otherwise, and the next benign chunk rendering in the same sandbox
object.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from expectations import BWRAP_ROOT_ONLY, CASES, X86_64_ONLY, Expect, expectation
from harness import (
    ATTACKS,
    MARKER,
    Box,
    Footprint,
    Host,
    Outcome,
    attack,
    leftovers,
    listening_ports,
    render_benign,
    stray_files,
)

from sandbox.docker import docker_ready

pytestmark = pytest.mark.integration
CASE_NAMES = sorted(p.stem for p in ATTACKS.glob("*.py"))
GROUPS = ("files", "cache", "ipc", "net", "exhaust", "proc", "output", "asset", "latex", "py")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_every_attack_has_an_expectation() -> None:
    assert set(CASE_NAMES) == set(CASES)
    assert len(CASE_NAMES) >= 40
    for group in GROUPS:
        assert any(name.startswith(f"{group}_") for name in CASE_NAMES), group


@pytest.mark.parametrize("case", CASE_NAMES)
def test_attack(
    box: Box, host: Host, case: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    expect = expectation(case, box.backend)
    _skip_where_not_meaningful(case, box)
    # Ray's GCS, dashboard, raylet...: listening on the host while the network attacks run.
    ray_port = request.getfixturevalue("ray_port") if case == "net_host_services" else None
    params = host.params()
    _check_targets_exist(case, params, ray_port)
    for run in range(expect.runs):
        before = box.footprint()
        outcome = attack(box, case, params, expect.render, tmp_path / f"out{run}")
        _check_outcome(outcome, expect, host)
        # The sandbox's own verdict: a video the host's check refused was fine to the sandbox.
        _check_host(host, box, before, outcome.results[-1].status.value not in ("ok", "error"))
    assert render_benign(box, tmp_path / "benign") > 0, "the next chunk did not render"


def _skip_where_not_meaningful(case: str, box: Box) -> None:
    if case in X86_64_ONLY and os.uname().machine != "x86_64":
        pytest.skip("the probe knows x86_64 syscall numbers only")
    if case in BWRAP_ROOT_ONLY and box.backend == "bwrap" and os.geteuid() != 0:
        pytest.skip("contained by the cgroup and capped tmpfs bwrap gets as root only")


def _check_targets_exist(case: str, params: dict[str, Any], ray_port: int | None) -> None:
    """The controls: what the attack aims at is really there on the host."""
    if ray_port is not None:
        assert ray_port in params["ports"]
    if case == "files_docker_socket" and docker_ready() is None:
        assert Path("/var/run/docker.sock").is_socket()
    if case == "net_host_redis":
        assert params["redis_port"] in listening_ports()


def _check_outcome(outcome: Outcome, expect: Expect, host: Host) -> None:
    texts = outcome.texts()
    assert not [t for t in texts if MARKER in t], f"the attack worked: {outcome.message[:2000]}"
    assert host.leaks(texts) == [], "a secret came back from the sandbox"
    assert (outcome.status, outcome.kind) == (expect.status, expect.kind), outcome.message[:2000]
    assert expect.detail in outcome.message
    assert outcome.results, "the sandbox was never run"
    sandbox_said = outcome.results[-1].status.value
    if expect.host_check:  # the sandbox said ok; the host's own check of the video refused it
        assert (sandbox_said, outcome.status) == ("ok", "output_rejected")
    else:
        assert sandbox_said == outcome.status
    for result in outcome.results:
        assert not CONTROL_CHARS.search(result.stdout_tail + result.stderr_tail)
    if expect.check is not None:
        assert expect.check(outcome.report(), host.params()) == []


def _check_host(host: Host, box: Box, before: Footprint, violation: bool) -> None:
    assert host.canary_untouched(), "a host file outside the sandbox changed"
    assert host.redis_alive(), "the host's Redis stopped answering"
    recycled = box.inner.uid is None
    assert recycled == violation, "recycled after a violation only"
    # The guest answers only after reaping everything a job left: nothing may linger. A
    # recycled sandbox's processes die with it, within moments.
    assert leftovers(before, box, settle_s=10.0 if recycled else 0.0) == []
    assert stray_files(before.uid) == []
