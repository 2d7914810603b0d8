"""A narrated lesson through the studio, end to end: `scenefarm lesson` with a real local Ray
cluster, real sandboxes, ffmpeg and espeak-ng; Claude is the real SDK talking to the scripted
Messages-API server. Three tiny scenes at quality l: one timed with the voice helper, one that
ignores it (too short: held on its last frame), one first written too long for its voice
(sent back for a timing fix)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import srt
import webvtt
from support.anthropic_server import MessagesServer, forced_tool, mentions, tool_use
from support.lessons import CIRCLE, plan_input

from renderers import frame_hashes, is_faststart, probe_video
from renderers.audio import LESSON_RATE

from ..conftest import CLI, Farm
from .conftest import need

pytestmark = pytest.mark.integration
FPS = 15
FRAME_SAMPLES = LESSON_RATE // FPS
NAMES = ["SceneAlpha", "SceneBeta", "SceneGamma"]
NARRATION = {
    "SceneAlpha": "Here is a circle. Now it fades away.",
    "SceneBeta": "Look at this square shape, it has four equal sides.",
    "SceneGamma": "A dot grows. That is all.",
}
TIMED = """from manim import *
from voice import VoiceoverScene


class {name}(VoiceoverScene):
    def construct(self):
        c = {mobject}
        with self.voiceover(0) as tracker:
            self.play(Create(c), run_time=tracker.duration{extra})
        with self.voiceover(1) as tracker:
            self.play(FadeOut(c), run_time=tracker.duration / 2)
"""


def timed(name: str, mobject: str, extra: str = "") -> dict[str, str]:
    return {"code": TIMED.format(name=name, mobject=mobject, extra=extra)}


def plain(name: str, body: str) -> dict[str, str]:
    return {
        "code": f"from manim import *\n\n\nclass {name}(Scene):\n    def construct(self):\n{body}"
    }


def narrated_plan() -> dict[str, Any]:
    plan = plan_input(NAMES)
    for scene in plan["scenes"]:
        scene["narration"] = NARRATION[scene["class_name"]]
    return plan


@dataclass
class Made:
    code: int
    stderr: str
    lesson_dir: Path
    output: Path
    report: dict[str, Any]
    server: MessagesServer

    def lesson(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.lesson_dir / "lesson.json").read_text())
        return data

    def scene(self, name: str) -> dict[str, Any]:
        return next(s for s in self.report["scenes"] if s["name"] == name)


def make(farm: Farm, *flags: str) -> Made:
    with MessagesServer() as server:
        server.route(forced_tool("plan_lesson"), tool_use("plan_lesson", narrated_plan()))
        if "--no-narration" in flags:  # scenes that do not use the voice helper
            for name in NAMES:
                server.route(mentions(name), tool_use("write_scene", plain(name, CIRCLE)))
        else:
            _script_narrated(server)
        env = farm.env() | {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": server.base_url}
        output, report = farm.tmp / "lesson.mp4", farm.tmp / "report.json"
        argv = [CLI, "lesson", "Teach shapes", "-o", str(output), "--report", str(report)]
        argv += ["--workers", "2", *flags]
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        data = json.loads(report.read_text()) if report.exists() else {}
    return Made(done.returncode, done.stderr, farm.tmp / "lesson_lesson", output, data, server)


def _script_narrated(server: MessagesServer) -> None:
    alpha = timed("SceneAlpha", "Circle()")
    server.route(mentions("SceneAlpha"), tool_use("write_scene", alpha))
    server.route(mentions("SceneBeta"), tool_use("write_scene", plain("SceneBeta", CIRCLE)))
    server.route(
        mentions("SceneGamma"),
        tool_use("write_scene", timed("SceneGamma", "Dot()", extra=" + 4")),
        tool_use("write_scene", timed("SceneGamma", "Dot()")),
    )


@pytest.fixture(scope="module")
def narrated(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    need("espeak-ng")
    yield make(Farm(data_dir, tmp_path_factory.mktemp("narrated")))


def decoded_audio(video: Path) -> np.ndarray:
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-map", "0:a:0"]
    argv += ["-f", "s16le", "-ar", str(LESSON_RATE), "-ac", "1", "pipe:1"]
    raw = subprocess.run(argv, capture_output=True, check=True, timeout=120).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.int32)


def streams(video: Path) -> list[dict[str, Any]]:
    argv = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,duration"]
    out = subprocess.run([*argv, "-of", "json", str(video)], capture_output=True, text=True)
    found: list[dict[str, Any]] = json.loads(out.stdout)["streams"]
    return found


def seconds(stamp: webvtt.models.Timestamp) -> float:
    return stamp.hours * 3600 + stamp.minutes * 60 + stamp.seconds + stamp.milliseconds / 1000


def test_the_lesson_speaks_in_step_with_its_scenes(narrated: Made) -> None:
    assert narrated.code == 0, narrated.stderr[-3000:]
    frames = [narrated.scene(n)["frames"] for n in NAMES]
    assert probe_video(narrated.output).frames == sum(frames)
    kinds = {s["codec_type"]: float(s["duration"]) for s in streams(narrated.output)}
    assert abs(kinds["audio"] - kinds["video"]) <= 1 / FPS
    assert is_faststart(narrated.output)
    # Each scene's voice starts on its first frame: no drift at any boundary.
    heard = decoded_audio(narrated.output)
    threshold = 0.05 * float(np.abs(heard).max())
    at = 0
    for count in frames:
        start = at * LESSON_RATE // FPS
        loud = np.flatnonzero(np.abs(heard[start : start + LESSON_RATE]) > threshold)
        assert loud.size and loud[0] <= 2 * FRAME_SAMPLES, (at, loud[:1])
        at += count


def test_the_video_is_frame_identical_to_its_silent_stitch(narrated: Made) -> None:
    silent = narrated.lesson_dir / "v1" / "lesson.silent.mp4"
    assert [s["codec_type"] for s in streams(silent)] == ["video"]
    assert frame_hashes(narrated.output) == frame_hashes(silent)


def test_a_scene_shorter_than_its_voice_is_held(narrated: Made) -> None:
    beta = narrated.scene("SceneBeta")["narration"]
    assert beta["hold_frames"] > 0 and beta["timing_fix"] is None
    voice_frames = beta["audio_s"] * FPS
    assert narrated.scene("SceneBeta")["frames"] >= voice_frames - 1
    version = narrated.lesson()["scenes"][1]["versions"][0]
    assert version["timing"]["hold_frames"] == beta["hold_frames"]


def test_a_scene_too_long_for_its_voice_is_sent_back(narrated: Made) -> None:
    gamma = narrated.lesson()["scenes"][2]
    assert [a["stage"] for a in gamma["attempts"]] == ["timing", ""]
    asked = [r for r in narrated.server.requests if "timing does not follow" in r.last_user_text()]
    assert len(asked) == 1 and "beat 0" in asked[0].last_user_text()
    writes = [r for r in narrated.server.requests if r.forced_tool == "write_scene"]
    assert any(
        "beat 1 (" in r.last_user_text() and "voiceover" in r.last_user_text() for r in writes
    )


def test_beats_are_placed_on_their_animations(narrated: Made) -> None:
    alpha = narrated.scene("SceneAlpha")["narration"]
    first, second = alpha["beats"]
    assert first["start_s"] == 0
    # beat 1 starts on its block's first animation: right after beat 0's block (its voice)
    assert abs(second["start_s"] - first["duration_s"]) <= 1 / FPS
    stored = narrated.lesson()["scenes"][0]["narration"]
    assert [b["text"] for b in stored["beats"]] == ["Here is a circle.", "Now it fades away."]
    assert [b["duration_s"] for b in stored["beats"]] == [b["duration_s"] for b in alpha["beats"]]


def test_captions_and_chapters_are_published_beside_the_video(
    narrated: Made, data_dir: Path
) -> None:
    lesson = narrated.lesson()
    version = lesson["versions"][0]
    assert set(version["caption_urls"]) == {"captions.vtt", "captions.srt", "chapters.vtt"}
    stored = data_dir / "artifacts" / "lessons" / lesson["id"] / "v1"
    vtt = webvtt.read(str(stored / "captions.vtt")).captions
    subs = list(srt.parse((stored / "captions.srt").read_text()))
    assert (
        [c.text for c in vtt]
        == [s.content for s in subs]
        == [
            "Here is a circle.",
            "Now it fades away.",
            "Look at this square shape, it has four equal sides.",
            "A dot grows.",
            "That is all.",
        ]
    )
    chapters = webvtt.read(str(stored / "chapters.vtt")).captions
    assert [c.text for c in chapters] == ["Scene Alpha", "Scene Beta", "Scene Gamma"]
    total = sum(narrated.scene(n)["frames"] for n in NAMES) / FPS
    assert abs(seconds(chapters[-1].end_time) - total) <= 1 / FPS
    report = narrated.report["narration"]
    assert report["provider"] == "espeak" and report["status"] == "ok"
    assert report["synthesized"] + report["cached"] >= 5
    assert report["captions_vtt_url"] == version["caption_urls"]["captions.vtt"]
    assert (stored / "lesson.mp4").is_file()


def test_a_silent_lesson_is_as_it_was(data_dir: Path, tmp_path: Path) -> None:
    done = make(Farm(data_dir, tmp_path), "--no-narration")
    assert done.code == 0, done.stderr[-3000:]
    assert [s["codec_type"] for s in streams(done.output)] == ["video"]
    assert "narration" not in done.report
    assert all("narration" not in s for s in done.report["scenes"])
    lesson = done.lesson()
    assert lesson["narration"] is None and lesson["versions"][0]["captions"] == {}
    assert not (done.lesson_dir / "v1" / "lesson.silent.mp4").exists()
    written = [r for r in done.server.requests if r.forced_tool == "write_scene"]
    assert written and not any("voiceover" in r.last_user_text() for r in written)


NARRATE = str(Path(__file__).with_name("narrate_scene.py"))


def narrate(farm_dir: Path, made: Made, data_dir: Path, index: int, text: str) -> dict[str, Any]:
    """Studio.narrate on the lesson (its own process, as the CLI runs); the report it wrote."""
    out = farm_dir / f"narrate-{index}.json"
    farm = Farm(data_dir, farm_dir)
    with MessagesServer() as server:
        gamma = timed("SceneGamma", "Square()")
        server.route(mentions("SceneGamma"), tool_use("write_scene", gamma))
        env = farm.env() | {"ANTHROPIC_BASE_URL": server.base_url}
        argv = [sys.executable, NARRATE, str(made.lesson_dir), str(index), text, str(out)]
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        made.server = server
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def test_a_narration_edit_speaks_one_scene_and_renders_only_if_its_timing_changed(
    narrated: Made, data_dir: Path, tmp_path: Path
) -> None:
    # The same sounds in other letters: spoken again (new text), same timing: nothing rendered
    louder = "LOOK at this square shape, it has four equal sides."
    same = narrate(tmp_path, narrated, data_dir, 2, louder)
    assert same["narration"]["synthesized"] == 1 and same["narration"]["cached"] >= 4
    assert all(c["cached"] for s in same["scenes"] for c in s["chunks"])
    lesson = narrated.lesson()
    assert lesson["versions"][1]["scene_versions"] == {"1": 1, "2": 1, "3": 1}
    assert lesson["scenes"][1]["narration"]["beats"][0]["text"] == louder
    vtt = webvtt.read(lesson["versions"][1]["captions"]["captions.vtt"]).captions
    assert louder in [c.text for c in vtt]
    # A longer last beat: only it is spoken, and scene 3 is rewritten and rendered again
    longer = narrate(tmp_path, narrated, data_dir, 3, "A dot grows. That is all, my friends.")
    assert longer["narration"]["synthesized"] == 1  # "A dot grows." came from the cache
    rendered = {s["name"]: any(not c["cached"] for c in s["chunks"]) for s in longer["scenes"]}
    assert rendered == {"SceneAlpha": False, "SceneBeta": False, "SceneGamma": True}
    lesson = narrated.lesson()
    assert lesson["versions"][2]["scene_versions"] == {"1": 1, "2": 1, "3": 2}
    asked = [r.last_user_text() for r in narrated.server.requests]
    assert len(asked) == 1 and "beat 1 (" in asked[0] and "my friends" in asked[0]
