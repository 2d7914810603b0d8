"""Integration fixtures: the real CLI, a real local Ray cluster, real sandboxes, real ffmpeg.

One local cluster serves the whole session (started by the first render, as for a user) and is
stopped with `scenefarm down` at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENES = Path(__file__).parent / "scenes"
CLI = str(Path(sys.executable).with_name("scenefarm"))
MANIM = str(Path(sys.executable).with_name("manim"))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    output: Path

    def scene(self, name: str) -> dict[str, Any]:
        return next(s for s in self.report["scenes"] if s["name"] == name)

    def scene_video(self, name: str) -> Path:
        return next(self.output.with_name(f"{self.output.stem}_scenes").glob(f"*-{name}.mp4"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The multi-node tests run last. They start Ray clusters of their own in this process,
    without the local heads' token, and Ray keeps a process's auth settings: tests after them
    that join a local head from this process (tests/integration/web) would hang in ray.init."""
    items.sort(key=lambda item: "multinode" in item.nodeid)


@pytest.fixture(autouse=True)
def ray_settings_stay_in_their_test() -> Iterator[None]:
    """Finding a local head (`running_address`) sets Ray's settings for joining it in this
    process's environment (loopback addresses, the token); a later test that starts a Ray
    cluster of its own in this process (tests/integration/multinode) must not inherit them."""
    before = {k: v for k, v in os.environ.items() if k.startswith("RAY_")}
    yield
    for key in [k for k in os.environ if k.startswith("RAY_") and k not in before]:
        del os.environ[key]
    os.environ.update(before)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("scenefarm-data")
    yield path
    subprocess.run([CLI, "down"], env=_env(path), capture_output=True, timeout=120, check=False)


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    env["SCENEFARM_DATA_DIR"] = str(data_dir)
    env["SCENEFARM_IDLE_S"] = "1800"
    env.setdefault("SCENEFARM_SANDBOX", "bwrap")  # tests/integration/test_docker_backend.py: docker
    return env


class Farm:
    def __init__(self, data_dir: Path, tmp: Path) -> None:
        self.data_dir, self.tmp = data_dir, tmp

    def env(self) -> dict[str, str]:
        return _env(self.data_dir)

    def command(
        self, file: Path, *args: str, out: str = "lesson.mp4"
    ) -> tuple[list[str], Path, Path]:
        output, report = self.tmp / out, self.tmp / f"{out}.json"
        argv = [CLI, "render", str(file), "-o", str(output), "--report", str(report), *args]
        return argv, output, report

    def render(self, file: Path, *args: str, out: str = "lesson.mp4", timeout: int = 600) -> Run:
        argv, output, report = self.command(file, *args, out=out)
        done = subprocess.run(
            argv, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        data = json.loads(report.read_text()) if report.exists() else {}
        return Run(done.returncode, done.stdout, done.stderr, data, output)


@pytest.fixture
def farm(data_dir: Path, tmp_path: Path) -> Farm:
    return Farm(data_dir, tmp_path)


def manim_reference(file: Path, scene: str, workdir: Path) -> Path:
    """The scene rendered by plain `manim` (480p15), as the ground truth."""
    media = workdir / f"manim-{scene}"
    argv = [
        MANIM,
        "render",
        "-ql",
        "--disable_caching",
        "-v",
        "WARNING",
        "--media_dir",
        str(media),
        "-o",
        scene,
        str(file),
        scene,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return next(media.glob(f"videos/**/{scene}.mp4"))


def docker_missing() -> str | None:
    """Why the docker backend cannot be tested here (None: it can). CI requires it."""
    from sandbox.docker import docker_ready

    reason = docker_ready()
    if reason is not None and os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
        pytest.fail(f"SCENEFARM_REQUIRE_DOCKER=1 but {reason}")
    return reason
