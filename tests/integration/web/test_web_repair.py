"""Claude writes a web scene: the plan picks the engine per scene, the writer gets the web
guide as a cached system block, and a web scene that fails its sandboxed probe is fixed by the
second reply (the bounded repair loop, as for Manim scenes).

The real `anthropic` SDK against the local scripted Messages-API server; the real farm (local
Ray, bwrap sandboxes, Chromium, ffmpeg).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.anthropic_server import MessagesServer, forced_tool, mentions, tool_use
from support.lessons import CIRCLE, DOT, plan_input

from cluster.farm.service import Farm, FarmConfig
from cluster.farm.worker import WorkerConfig
from cluster.lessons.lesson_dir import LessonDir
from cluster.lessons.studio import Studio
from renderers import Quality
from scenes import GenerationOptions, SceneStatus
from scenes.claude import Claude, ClaudeConfig
from scenes.guide import WEB_GUIDE

pytestmark = pytest.mark.integration

FIXED = """import React from "react";
import {AbsoluteFill, Composition, interpolate, registerRoot, useCurrentFrame} from "remotion";

const Headline: React.FC = () => {
  const frame = useCurrentFrame();
  const opacity = interpolate(frame, [0, 20], [0, 1], {extrapolateRight: "clamp"});
  return (
    <AbsoluteFill style={{background: "#0b3954", alignItems: "center", justifyContent: "center"}}>
      <h1 style={{color: "white", fontFamily: "DejaVu Sans", fontSize: 64, opacity}}>Shapes</h1>
    </AbsoluteFill>
  );
};

registerRoot(() => (
  <Composition id="Headline" component={Headline} durationInFrames={60} fps={30}
    width={1280} height={720} />
));
"""
# The first reply: runs into a name that does not exist when a frame is drawn
BROKEN = FIXED.replace("const opacity = interpolate(", "const opacity = fadeIn + interpolate(")


def manim(name: str, body: str) -> dict[str, str]:
    return {
        "code": f"from manim import *\n\nclass {name}(Scene):\n    def construct(self):\n{body}"
    }


def has_web_guide(blocks: list[dict[str, Any]]) -> bool:
    return any(b.get("text") == WEB_GUIDE for b in blocks)


def plan() -> dict[str, Any]:
    planned = plan_input(["Headline", "SceneAlpha", "SceneBeta"])
    planned["scenes"][0] |= {"engine": "web", "duration_s": 2}
    return planned


@pytest.fixture(scope="module")
def farm(data_dir: Path) -> Iterator[Farm]:
    environ = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    config = FarmConfig(data_dir, workers=2, worker=WorkerConfig(backend="bwrap"), environ=environ)
    with Farm(config) as farm:
        yield farm


def test_a_broken_web_scene_is_fixed_by_the_second_reply(farm: Farm, tmp_path: Path) -> None:
    with MessagesServer() as server:
        server.route(forced_tool("plan_lesson"), tool_use("plan_lesson", plan()))
        server.route(
            mentions("Headline"),
            tool_use("write_scene", {"code": BROKEN}),
            tool_use("write_scene", {"code": FIXED}),
        )
        server.route(mentions("SceneAlpha"), tool_use("write_scene", manim("SceneAlpha", CIRCLE)))
        server.route(mentions("SceneBeta"), tool_use("write_scene", manim("SceneBeta", DOT)))
        claude = Claude(ClaudeConfig(api_key="test", base_url=server.base_url))
        studio = Studio(farm, claude, GenerationOptions(), lambda _: None, use_cache=False)
        made = studio.create("shapes for children", LessonDir(tmp_path / "l"), Quality.LOW)
        assert server.unmatched == [] and server.pending() == []
        web_requests = [r for r in server.requests if has_web_guide(r.system_blocks)]
        manim_requests = [r for r in server.requests if "SceneAlpha" in r.last_user_text()]

    headline = made.lesson.scene(1)
    assert (headline.engine, headline.status) == ("web", SceneStatus.READY)
    assert [a.stage for a in headline.attempts] == ["probe", ""]
    assert "fadeIn" in headline.attempts[0].error and headline.attempts[1].error == ""
    assert headline.current is not None and headline.current.code == FIXED
    assert [(s.name, s.engine) for s in made.report.scenes] == [
        ("Headline", "web"),
        ("SceneAlpha", "manim"),
        ("SceneBeta", "manim"),
    ]
    # the writer of the web scene got the web guide, cached; the fix request named the error
    assert len(web_requests) == 2
    assert web_requests[0].system_blocks[-1].get("cache_control") is not None
    assert "fadeIn" in web_requests[1].last_user_text()
    assert manim_requests and not any(has_web_guide(r.system_blocks) for r in manim_requests)
