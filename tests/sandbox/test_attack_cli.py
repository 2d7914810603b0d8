"""Hostile scenes through the real `scenefarm render` CLI (Ray, warm workers, the sandbox): each
ends as a clear typed error in the report, and the lesson's other scenes still render."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import CLI, docker_missing

from renderers import probe_video

pytestmark = pytest.mark.integration
LESSON = """\
import os

from manim import *


class Intro(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.4)


class Snoop(Scene):
    def construct(self):
        raise RuntimeError("REPORT " + repr(dict(os.environ)))


class Hog(Scene):
    def construct(self):
        hoard = bytearray(10**11)


class Spin(Scene):
    def construct(self):
        while True:
            pass


class Outro(Scene):
    def construct(self):
        self.play(Write(Text("still here")), run_time=0.4)
"""
GOOD, HOSTILE = ("Intro", "Outro"), ("Snoop", "Hog", "Spin")


def render(env: dict[str, str], tmp: Path, *args: str) -> tuple[int, str, dict[str, Any], Path]:
    lesson, out, report = tmp / "lesson.py", tmp / "lesson.mp4", tmp / "report.json"
    lesson.write_text(LESSON)
    argv = [CLI, "render", str(lesson), "-o", str(out), "--report", str(report), "--no-cache"]
    argv += ["--timeout-s", "5", "--memory-mb", "1024", *args]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    data = json.loads(report.read_text()) if report.exists() else {}
    return done.returncode, done.stderr, data, out


def scenes(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in report["scenes"]}


def check_contained(
    code: int, stderr: str, report: dict[str, Any], secrets: dict[str, str]
) -> None:
    by_name = scenes(report)
    assert list(by_name) == ["Intro", "Snoop", "Hog", "Spin", "Outro"], stderr[-2000:]
    assert "RuntimeError" in by_name["Snoop"]["error"] and "REPORT" in by_name["Snoop"]["error"]
    assert "MemoryError" in by_name["Hog"]["error"]
    assert "Timeout" in by_name["Spin"]["error"] and "wall-clock" in by_name["Spin"]["error"]
    assert [by_name[n]["status"] for n in HOSTILE] == ["failed"] * 3
    assert [by_name[n]["error_status"] for n in HOSTILE] == ["error", "memory", "timeout"]
    for name in GOOD:
        assert "error" not in by_name[name] and by_name[name]["frames"] > 0
    everything = stderr + json.dumps(report)
    assert [k for k, v in secrets.items() if v in everything] == []
    for name in HOSTILE:
        assert name in stderr, f"the CLI does not name the failed scene {name}"


@pytest.mark.parametrize("backend", ["bwrap", "docker"])
def test_hostile_scenes_fail_typed_and_the_rest_renders(
    farm_env: dict[str, str], host_secrets: dict[str, str], tmp_path: Path, backend: str
) -> None:
    if backend == "docker" and (reason := docker_missing()) is not None:
        pytest.skip(reason)
    code, stderr, report, out = render(farm_env, tmp_path, "--sandbox", backend)
    assert code == 1, stderr[-3000:]
    assert not out.exists(), "no lesson video while scenes failed (without --allow-partial)"
    check_contained(code, stderr, report, host_secrets)
    videos = sorted(p.name for p in (tmp_path / "lesson_scenes").iterdir())
    assert videos == ["01-Intro.mp4", "05-Outro.mp4"]


def test_allow_partial_delivers_the_scenes_that_rendered(
    farm_env: dict[str, str], host_secrets: dict[str, str], tmp_path: Path
) -> None:
    code, stderr, report, out = render(farm_env, tmp_path, "--sandbox", "bwrap", "--allow-partial")
    assert code == 0, stderr[-3000:]
    check_contained(code, stderr, report, host_secrets)
    good_frames = sum(scenes(report)[n]["frames"] for n in GOOD)
    assert probe_video(out).frames == good_frames
