"""Web engine fixtures: the built runtime, and a warm sandbox per backend for the web engine
(bwrap always; docker where its image has Chromium: required when SCENEFARM_REQUIRE_DOCKER=1,
as in CI; SCENEFARM_WEB_DOCKER_IMAGE picks another image).

Everything is real: node's test runner, esbuild, Chromium (Debian's chromium-headless-shell)
inside our sandboxes, PyAV/ffmpeg.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from renderers.web import WebRenderer
from renderers.web.runtime_build import ensure_built
from sandbox import DockerOptions, Sandbox, SandboxLimits, make_sandbox
from sandbox.docker import DEFAULT_IMAGE, docker_ready

SCENES = Path(__file__).parent / "scenes"
BROWSER = "/usr/lib/chromium/chromium-headless-shell"
ASSETS = {"dot.png": (SCENES / "dot.png").read_bytes()}


@pytest.fixture(scope="session")
def runtime() -> Path:
    return ensure_built()


@pytest.fixture(scope="session")
def web() -> WebRenderer:
    # a short frame timeout: the endless-loop scene should not hold the suite for 40 s
    return WebRenderer(assets=ASSETS, frame_timeout_s=8.0)


def docker_image() -> str:
    return os.environ.get("SCENEFARM_WEB_DOCKER_IMAGE", DEFAULT_IMAGE)


def docker_missing(image: str) -> str | None:
    """Why web scenes cannot run in the docker backend here (None: they can)."""
    reason = docker_ready(image)
    if reason is not None:
        return reason
    probe = subprocess.run(
        ["docker", "run", "--rm", "--network=none", "--entrypoint", "test", image, "-x", BROWSER],
        capture_output=True,
        timeout=120,
        check=False,
    )
    if probe.returncode != 0:
        return f"{image} has no {BROWSER} (rebuild it: scripts/build-image.sh)"
    return None


@pytest.fixture(scope="session", params=["bwrap", "docker"])
def web_sandbox(
    request: pytest.FixtureRequest,
    runtime: Path,
    web: WebRenderer,
) -> Iterator[Sandbox]:
    backend = str(request.param)
    options = DockerOptions(image=docker_image())
    if backend == "docker" and (reason := docker_missing(options.image)):
        if os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
            pytest.fail(f"the docker backend is required: {reason}")
        pytest.skip(reason)
    limits = SandboxLimits(wall_s=120, cpu_s=240)
    spec = web.sandbox_spec(limits, "web-tests")
    # the default state root, not pytest's tmp: sessions of other users of this machine
    # prune old pytest dirs, and with them a live sandbox's scratch
    sandbox = make_sandbox(backend, spec, docker=options)
    try:
        yield sandbox
    finally:
        sandbox.close()
