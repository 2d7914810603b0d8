"""Lesson generation end to end: `scenefarm lesson | edit | replace` as a user runs them.

The real CLI, a real local Ray cluster, real bwrap sandboxes and ffmpeg; Claude is the real
`anthropic` SDK talking to a local Messages-API server with scripted replies. Scene code is
routed by class name, because scenes are written concurrently.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.anthropic_server import (
    MessagesServer,
    forced_tool,
    malformed_tool_use,
    mentions,
    overloaded,
    rate_limited,
    tool_use,
)
from support.lessons import CIRCLE, DOT, SQUARE, code_scene, plan_input

from renderers import probe_video

from .conftest import CLI, Farm

pytestmark = pytest.mark.integration


GOOD = {"SceneAlpha": CIRCLE, "SceneBeta": SQUARE, "SceneGamma": DOT}
NAME_ERROR = "        sq = Squar()\n        self.play(FadeIn(sq), run_time=0.5)\n"
IMPORTS_OS = (
    "        import os\n        os.getcwd()\n        self.play(FadeIn(Dot()), run_time=0.5)\n"
)
OVERFLOW = (
    '        t = Text("This title is far too wide for the frame", font_size=96)\n'
    "        self.play(FadeIn(t), run_time=0.5)\n"
)
ALWAYS_BROKEN = "        self.play(FadeIn(Dot()), run_time=1 / 0)\n"


@dataclass
class Done:
    code: int
    stderr: str
    lesson_dir: Path
    output: Path
    report: dict[str, Any]

    def lesson(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.lesson_dir / "lesson.json").read_text())
        return data

    def scene(self, name: str) -> dict[str, Any]:
        return next(s for s in self.report["scenes"] if s["name"] == name)


def _cli(farm: Farm, server: MessagesServer, *args: str, key: str = "test-key") -> Done:
    env = farm.env() | {"ANTHROPIC_API_KEY": key, "ANTHROPIC_BASE_URL": server.base_url}
    env["SCENEFARM_MAX_FIXES"] = "2"
    report = farm.tmp / f"report-{len(list(farm.tmp.glob('report-*')))}.json"
    argv = [CLI, *args, "--report", str(report), "--workers", "2"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    data = json.loads(report.read_text()) if report.exists() else {}
    out = farm.tmp / "lesson.mp4"
    return Done(done.returncode, done.stderr, farm.tmp / "lesson_lesson", out, data)


@pytest.fixture(scope="module")
def made(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Farm, Done, MessagesServer]]:
    """One lesson made through every repair path: 429 and a malformed plan, a NameError fixed on
    the second try, `import os` refused statically, a layout overflow fixed."""
    farm = Farm(data_dir, tmp_path_factory.mktemp("lesson"))
    names = ["SceneAlpha", "SceneBeta", "SceneGamma"]
    with MessagesServer() as server:
        server.route(
            forced_tool("plan_lesson"),
            rate_limited(0.01),
            malformed_tool_use("plan_lesson", {"title": "Shapes", "scenes": "three"}),
            tool_use("plan_lesson", plan_input(names)),
        )
        server.route(
            mentions("SceneAlpha"),
            overloaded(),
            tool_use("write_scene", code_scene("SceneAlpha", OVERFLOW)),
            tool_use("write_scene", code_scene("SceneAlpha", GOOD["SceneAlpha"])),
        )
        server.route(
            mentions("SceneBeta"),
            tool_use("write_scene", code_scene("SceneBeta", NAME_ERROR)),
            tool_use("write_scene", code_scene("SceneBeta", GOOD["SceneBeta"])),
        )
        server.route(
            mentions("SceneGamma"),
            tool_use("write_scene", code_scene("SceneGamma", IMPORTS_OS)),
            tool_use("write_scene", code_scene("SceneGamma", GOOD["SceneGamma"])),
        )
        done = _cli(
            farm, server, "lesson", "Teach basic shapes", "-o", str(farm.tmp / "lesson.mp4")
        )
        yield farm, done, server


def test_a_prompt_becomes_a_video_of_every_plannedcode_scene(
    made: tuple[Farm, Done, MessagesServer],
) -> None:
    _, done, server = made
    assert done.code == 0, done.stderr[-3000:]
    assert server.unmatched == [] and server.pending() == []
    assert [s["name"] for s in done.report["scenes"]] == ["SceneAlpha", "SceneBeta", "SceneGamma"]
    info = probe_video(done.output)
    assert info.frames == sum(s["frames"] for s in done.report["scenes"]) > 0
    lesson = done.lesson()
    assert lesson["status"] == "ready" and [v["number"] for v in lesson["versions"]] == [1]
    for i, name in enumerate(["SceneAlpha", "SceneBeta", "SceneGamma"], start=1):
        assert (done.lesson_dir / "scenes" / f"{i:02d}-{name}" / "v1.py").is_file()
    usage = done.report["totals"]["claude"]
    assert usage["calls"] >= 7 and usage["output_tokens"] > 0 and usage["cost_usd"] > 0


def test_the_guide_is_sent_with_prompt_caching(made: tuple[Farm, Done, MessagesServer]) -> None:
    _, _, server = made
    writes = [r for r in server.requests if r.forced_tool == "write_scene" and r.status == 200]
    assert writes and all("cache_control" in r.system_blocks[-1] for r in writes)
    assert "Manim Community Edition" in writes[0].system_blocks[-1]["text"]
    assert any(r.response and r.response["usage"]["cache_read_input_tokens"] > 0 for r in writes)


def test_a_malformed_plan_is_asked_for_again_with_the_error(
    made: tuple[Farm, Done, MessagesServer],
) -> None:
    _, _, server = made
    plans = [r for r in server.requests if r.forced_tool == "plan_lesson"]
    assert [r.status for r in plans] == [429, 200, 200]
    assert "invalid" in plans[-1].last_user_text() and "scenes" in plans[-1].last_user_text()


def test_a_name_error_is_fed_back_and_fixed(made: tuple[Farm, Done, MessagesServer]) -> None:
    _, done, server = made
    beta = done.lesson()["scenes"][1]
    first, second = beta["attempts"]
    assert first["stage"] == "probe" and "NameError" in first["error"] and first["line"] == 6
    assert second["stage"] == "" and beta["versions"][0]["code"] == second["code"]
    fix = [r for r in server.requests if "for SceneBeta failed" in r.last_user_text()]
    assert len(fix) == 1 and "Squar()" in fix[0].last_user_text()


def test_importing_os_is_refused_before_any_run(made: tuple[Farm, Done, MessagesServer]) -> None:
    _, done, _ = made
    gamma = done.lesson()["scenes"][2]
    assert gamma["attempts"][0]["stage"] == "static"
    assert "import of os is not allowed" in gamma["attempts"][0]["error"]


def test_a_layout_overflow_is_reported_and_fixed(made: tuple[Farm, Done, MessagesServer]) -> None:
    _, done, server = made
    alpha = done.lesson()["scenes"][0]
    assert [a["stage"] for a in alpha["attempts"]] == ["layout", ""]
    assert "cut off" in alpha["attempts"][0]["error"] and "Text" in alpha["attempts"][0]["error"]
    asked = [r for r in server.requests if "SceneAlpha runs, but its layout" in r.last_user_text()]
    assert len(asked) == 1
    assert alpha["versions"][0]["layout_warnings"] == []


def test_editing_scene_two_renders_only_scene_two(made: tuple[Farm, Done, MessagesServer]) -> None:
    farm, first, _ = made
    edited = code_scene(
        "SceneBeta", "        self.play(FadeIn(Star(color=YELLOW)), run_time=0.5)\n"
    )
    with MessagesServer() as server:
        server.route(mentions("make it a yellow star"), tool_use("write_scene", edited))
        done = _cli(farm, server, "edit", str(first.lesson_dir), "2", "make it a yellow star")
    assert done.code == 0, done.stderr[-3000:]
    sent = server.requests[0].last_user_text()
    assert "Square()" in sent and "SceneBeta" in sent  # Claude saw the current code
    assert all(c["cached"] for s in ("SceneAlpha", "SceneGamma") for c in done.scene(s)["chunks"])
    assert not any(c["cached"] for c in done.scene("SceneBeta")["chunks"])
    lesson = done.lesson()
    assert [v["number"] for v in lesson["versions"]] == [1, 2]
    assert lesson["versions"][1]["scene_versions"] == {"1": 1, "2": 2, "3": 1}
    assert (first.lesson_dir / "v1" / "lesson.mp4").is_file()  # version 1 stays readable
    v1, v2 = lesson["versions"]  # published under versioned keys (local storage by default)
    assert "/v1/lesson.mp4" in v1["video_url"] and "/v2/lesson.mp4" in v2["video_url"]
    assert v2["scene_urls"]["1"] == v1["scene_urls"]["1"]  # scene 1 is still its version 1
    assert v2["scene_urls"]["2"].endswith("/scenes/2/v2/scene.mp4")
    assert done.report["video_url"] == v2["video_url"]
    assert (first.lesson_dir / "scenes" / "02-SceneBeta" / "v2.py").read_text() == edited["code"]


def test_replacing_a_scene_with_broken_code_keeps_the_lesson(
    made: tuple[Farm, Done, MessagesServer],
) -> None:
    farm, first, _ = made
    code = farm.tmp / "mine.py"
    code.write_text(
        "from manim import *\n\nclass Mine(Scene):\n"
        "    def construct(self):\n        self.play(Wiggle())\n"
    )
    with MessagesServer() as server:
        done = _cli(farm, server, "replace", str(first.lesson_dir), "3", str(code), key="")
    assert done.code == 1 and "Mine" in done.stderr and "TypeError" in done.stderr
    assert server.requests == []  # replacing never asks Claude
    assert [v["number"] for v in done.lesson()["versions"]] == [1, 2]


def test_a_scene_that_never_works_fails_alone(data_dir: Path, tmp_path: Path) -> None:
    farm = Farm(data_dir, tmp_path)
    names = ["SceneAlpha", "SceneBeta", "SceneGamma"]
    with MessagesServer() as server:
        server.route(forced_tool("plan_lesson"), tool_use("plan_lesson", plan_input(names)))
        for name in ("SceneAlpha", "SceneBeta"):
            server.route(mentions(name), tool_use("write_scene", code_scene(name, GOOD[name])))
        broken = tool_use("write_scene", code_scene("SceneGamma", ALWAYS_BROKEN))
        server.route(mentions("SceneGamma"), broken, broken, broken)
        done = _cli(farm, server, "lesson", "Teach shapes", "-o", str(tmp_path / "lesson.mp4"))
    assert done.code == 1
    assert "SceneGamma" in done.stderr and "ZeroDivisionError" in done.stderr
    assert "after 2 fixes" in done.scene("SceneGamma")["error"]
    assert done.scene("SceneGamma")["error_status"] == "generation"
    assert len(done.lesson()["scenes"][2]["attempts"]) == 3  # the first try and 2 fixes
    assert probe_video(done.output).frames == sum(
        done.scene(n)["frames"] for n in ("SceneAlpha", "SceneBeta")
    )


def test_without_an_api_key_lesson_exits_2_with_one_line(farm: Farm) -> None:
    with MessagesServer() as server:
        done = _cli(farm, server, "lesson", "anything", "-o", str(farm.tmp / "x.mp4"), key="")
    assert done.code == 2 and "ANTHROPIC_API_KEY" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and server.requests == []
