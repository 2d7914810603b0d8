"""Web engine fixtures: the built runtime, and a warm bwrap sandbox for the web engine.

Everything is real: node's test runner, esbuild, Chromium (Debian's chromium-headless-shell)
inside our bwrap sandbox, PyAV/ffmpeg.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from renderers.web import WebRenderer
from renderers.web.runtime_build import ensure_built
from sandbox import Sandbox, SandboxLimits, make_sandbox

SCENES = Path(__file__).parent / "scenes"
ASSETS = {"dot.png": (SCENES / "dot.png").read_bytes()}


@pytest.fixture(scope="session")
def runtime() -> Path:
    return ensure_built()


@pytest.fixture(scope="session")
def web() -> WebRenderer:
    # a short frame timeout: the endless-loop scene should not hold the suite for 40 s
    return WebRenderer(assets=ASSETS, frame_timeout_s=8.0)


@pytest.fixture(scope="session")
def web_sandbox(
    runtime: Path, web: WebRenderer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Sandbox]:
    limits = SandboxLimits(wall_s=120, cpu_s=240)
    sandbox = make_sandbox(
        "bwrap", web.sandbox_spec(limits, "web-tests"), tmp_path_factory.mktemp("sbx-state")
    )
    try:
        yield sandbox
    finally:
        sandbox.close()
