"""Fixtures of the attack suite: a host with secrets and services worth stealing, and one warm
sandbox per backend (bwrap always, docker where it is usable; CI requires it).

Everything is real: the sandboxes, a `redis-server` on the host's loopback, an abstract UNIX
socket in the host's network namespace, a canary file outside every sandbox, and fake
credentials in this process's environment.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import (
    OWNER,
    Box,
    Host,
    containers,
    host_addresses,
    leftovers,
    make_box,
    wait_for_redis,
)

from cluster.farm.ray_head import ensure_local_cluster
from sandbox.docker import docker_ready

BACKENDS = ("bwrap", "docker")
CLI = str(Path(sys.executable).with_name("scenefarm"))


def docker_missing() -> str | None:
    """Why the docker backend cannot be attacked here (None: it can). CI requires it."""
    reason = docker_ready()
    if reason is not None and os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
        pytest.fail(f"SCENEFARM_REQUIRE_DOCKER=1 but {reason}")
    return reason


@pytest.fixture(scope="session")
def host_secrets() -> Iterator[dict[str, str]]:
    """Credentials in this (the host's) environment; no sandbox output may ever contain them."""
    values = {
        "ANTHROPIC_API_KEY": f"sk-ant-attack-{secrets.token_hex(12)}",
        "AWS_SECRET_ACCESS_KEY": f"aws-attack-{secrets.token_hex(12)}",
        "AWS_ACCESS_KEY_ID": f"AKIAATTACK{secrets.token_hex(5).upper()}",
        "SCENEFARM_ATTACK_TOKEN": f"token-attack-{secrets.token_hex(12)}",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in values.items():
            patch.setenv(name, value)
        yield values


@pytest.fixture(scope="session")
def canary_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A host directory outside every sandbox (under /root where we may write there)."""
    home = Path.home()
    if os.access(home, os.W_OK):
        path = home / f".scenefarm-attack-{secrets.token_hex(6)}"
        path.mkdir(mode=0o700)
    else:
        path = tmp_path_factory.mktemp("canary")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, list[str]]]:
    """A real redis-server on the host's loopback (and the Docker bridge address, if any)."""
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (scripts/install-system.sh installs it)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hosts = ["127.0.0.1", *(a for a in host_addresses() if a.startswith("172.17."))]
    argv = ["redis-server", "--port", str(port), "--bind", *hosts, "--save", ""]
    argv += [
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--dir",
        str(tmp_path_factory.mktemp("redis")),
    ]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for address in hosts:  # the control: from the host, every address answers
            wait_for_redis(address, port)
        yield port, hosts
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def abstract_socket() -> Iterator[str]:
    """A listening abstract UNIX socket in the host's network namespace."""
    name = f"scenefarm-attack-{secrets.token_hex(6)}"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("\0" + name)
        server.listen(64)
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect("\0" + name)  # the control: reachable from the host
        yield name


@pytest.fixture(scope="session")
def host(
    host_secrets: dict[str, str],
    canary_dir: Path,
    redis_server: tuple[int, list[str]],
    abstract_socket: str,
) -> Host:
    return Host.plant(host_secrets, canary_dir, redis_server, abstract_socket)


@pytest.fixture(scope="session")
def farm_env(
    tmp_path_factory: pytest.TempPathFactory, host_secrets: dict[str, str]
) -> Iterator[dict[str, str]]:
    """The caller's environment (credentials included) with a data dir of our own, for the
    `scenefarm` CLI and its local Ray cluster; the cluster is stopped at the end."""
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env |= {"SCENEFARM_DATA_DIR": str(tmp_path_factory.mktemp("farm")), "SCENEFARM_IDLE_S": "900"}
    yield env
    subprocess.run([CLI, "down"], env=env, capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def ray_port(farm_env: dict[str, str]) -> int:
    """The GCS port of a running local Ray cluster (the CLI's, started here if not yet up):
    its services are on the host for the network attacks to aim at."""
    data_dir = Path(farm_env["SCENEFARM_DATA_DIR"])
    address, _ = ensure_local_cluster(
        data_dir, num_cpus=os.cpu_count() or 1, idle_s=900, environ=os.environ
    )
    return int(address.rpartition(":")[2])


@pytest.fixture(scope="session", params=BACKENDS)
def box(request: pytest.FixtureRequest, host: Host) -> Iterator[Box]:
    """One warm sandbox of a backend for the whole suite, recycled by the sandbox itself."""
    if request.param == "docker":
        reason = docker_missing()
        if reason is not None:
            pytest.skip(reason)
    box = make_box(request.param)
    box.start()
    yield box
    before = box.footprint()
    box.close()
    assert leftovers(before, box, settle_s=10.0) == [], "the closed sandbox left something behind"
    if box.backend == "docker":
        assert containers(f"scenefarm.owner={OWNER}") == set(), "a sandbox container outlived us"
