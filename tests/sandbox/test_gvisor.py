"""The docker backend under gVisor (SCENEFARM_DOCKER_RUNTIME=runsc), where runsc is registered
with the Docker daemon: a chunk renders, and a few attacks end as they do under runc."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from expectations import expectation
from harness import LIMITS, RENDERER, Box, Host, attack, render_benign

from sandbox import DockerOptions, make_sandbox
from sandbox.docker import docker_ready
from sandbox.warm import WarmSandbox

pytestmark = pytest.mark.integration
CASES = ("files_env_vars", "net_tcp_egress", "proc_unshare_userns", "exhaust_memory_bomb")


def runsc_missing() -> str | None:
    reason = docker_ready()
    if reason is not None:
        return reason
    client = docker.from_env(timeout=10)
    try:
        runtimes = client.info().get("Runtimes", {})
    finally:
        client.close()
    if "runsc" not in runtimes:
        return (
            "gVisor's runsc is not registered with the Docker daemon (install runsc and add it "
            'to /etc/docker/daemon.json "runtimes" with runtimeArgs ["--network=none"])'
        )
    return None


@pytest.fixture(scope="module")
def gvisor_box() -> Iterator[Box]:
    if (reason := runsc_missing()) is not None:
        pytest.skip(reason)
    spec = RENDERER.sandbox_spec(LIMITS, "attack-suite-gvisor")
    sandbox = make_sandbox("docker", spec, docker=DockerOptions(runtime="runsc"))
    assert isinstance(sandbox, WarmSandbox)
    box = Box(sandbox)
    box.start()
    yield box
    box.close()


def test_a_chunk_renders_under_gvisor(gvisor_box: Box, tmp_path: Path) -> None:
    assert render_benign(gvisor_box, tmp_path) > 0


@pytest.mark.parametrize("case", CASES)
def test_attacks_are_contained_under_gvisor(
    gvisor_box: Box, host: Host, case: str, tmp_path: Path
) -> None:
    expect = expectation(case, "docker")
    outcome = attack(gvisor_box, case, host.params(), expect.render, tmp_path)
    assert (outcome.status, outcome.kind) == (expect.status, expect.kind), outcome.message[:2000]
    assert host.leaks(outcome.texts()) == []
    if expect.check is not None:
        assert expect.check(outcome.report(), host.params()) == []
    assert render_benign(gvisor_box, tmp_path / "benign") > 0
