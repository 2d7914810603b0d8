"""Lessons whose scenes are web scenes, through the Studio (what `POST /v1/lessons` with
`{"scenes": [{"engine": "web", "code": ...}]}` runs): checked, probed in the sandbox, rendered
and stitched with a Manim scene; a web scene replaced; a bad one refused by its static check.

Real local Ray cluster, bwrap sandboxes with Chromium, ffmpeg; no Claude (client code).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.farm.service import Farm, FarmConfig
from cluster.farm.worker import WorkerConfig
from cluster.lessons.lesson_dir import LessonDir
from cluster.lessons.studio import Studio
from renderers import frame_hashes, probe_video
from scenes import GenerationOptions, Lesson, SceneStatus, new_lesson_id

pytestmark = pytest.mark.integration

MANIM = (
    "from manim import *\n\nclass Ring(Scene):\n    def construct(self):\n"
    "        self.play(Create(Circle(color=YELLOW)), run_time=1)\n"
)
WEB = """import React from "react";
import {AbsoluteFill, Composition, interpolate, registerRoot, useCurrentFrame} from "remotion";

const Caption: React.FC = () => {
  const frame = useCurrentFrame();
  const x = interpolate(frame, [0, 29], [-300, 0], {extrapolateRight: "clamp"});
  return (
    <AbsoluteFill style={{background: "#222", alignItems: "center", justifyContent: "center"}}>
      <h1 style={{color: "COLOR", fontFamily: "DejaVu Sans", transform: `translateX(${x}px)`}}>
        Rings
      </h1>
    </AbsoluteFill>
  );
};

registerRoot(() => (
  <Composition id="Caption" component={Caption} durationInFrames={30} fps={15}
    width={854} height={480} />
));
"""


@pytest.fixture(scope="module")
def farm(data_dir: Path) -> Iterator[Farm]:
    environ = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    config = FarmConfig(data_dir, workers=2, worker=WorkerConfig(backend="bwrap"), environ=environ)
    with Farm(config) as farm:
        yield farm


def studio(farm: Farm) -> Studio:
    return Studio(farm, None, GenerationOptions(), lambda _: None, use_cache=False)


def test_a_lesson_of_manim_and_web_code(farm: Farm, tmp_path: Path) -> None:
    where = LessonDir(tmp_path / "lesson")
    lesson = Lesson(id=new_lesson_id(), prompt="")
    code = WEB.replace("COLOR", "white")
    made = studio(farm).create_from_code(lesson, [MANIM, code], where, engines=["manim", "web"])
    assert [(s.name, s.engine, s.error) for s in made.report.scenes] == [
        ("Ring", "manim", None),
        ("Caption", "web", None),
    ]
    assert [r.engine for r in where.load().scenes] == ["manim", "web"]
    video = Path(str(made.report.video))
    assert probe_video(video).frames == sum(s.frames for s in made.report.scenes)

    # a replacement of the web scene: a new version, rendered; the Manim scene is unchanged
    blue = WEB.replace("COLOR", "#4af")
    replaced = studio(farm).replace(where, 2, blue)
    caption = replaced.lesson.scene(2)
    assert [v.number for v in caption.versions] == [1, 2] and caption.current is not None
    assert caption.current.code == blue
    before = {s.name: s.video for s in made.report.scenes}
    after = {s.name: s.video for s in replaced.report.scenes}
    ring = frame_hashes(Path(str(before["Ring"])))
    assert frame_hashes(Path(str(after["Ring"]))) == ring
    assert frame_hashes(Path(str(after["Caption"]))) != frame_hashes(Path(str(before["Caption"])))


def test_a_web_scene_that_fails_its_static_check_fails_alone(farm: Farm, tmp_path: Path) -> None:
    where = LessonDir(tmp_path / "lesson")
    lesson = Lesson(id=new_lesson_id(), prompt="")
    bad = WEB.replace("COLOR", "white").replace("[-300, 0]", "[-300 * Math.random(), 0]")
    made = studio(farm).create_from_code(lesson, [MANIM, bad], where, engines=["manim", "web"])
    record = made.lesson.scene(2)
    assert record.status is SceneStatus.FAILED
    assert "Math.random" in record.error
    # a scene that never had working code is named by its place, as for Manim code
    assert [(s.name, s.engine, s.error is None) for s in made.report.scenes] == [
        ("Ring", "manim", True),
        ("Scene2", "web", False),
    ]


def test_an_unknown_engine_is_refused(farm: Farm, tmp_path: Path) -> None:
    lesson = Lesson(id=new_lesson_id(), prompt="")
    with pytest.raises(ValueError, match="unknown engine"):
        studio(farm).create_from_code(lesson, [MANIM], LessonDir(tmp_path), engines=["opengl"])
