"""Narration and web scenes through the HTTP API: a code lesson's scenes speak the text they
are given (captions published with the version), `narration: false` keeps a lesson silent, and
a scene sent with `engine: web` renders in the web engine."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import srt
import webvtt
from support.lessons import CIRCLE, SQUARE, code_scene

from .conftest import ApiServer, Key

pytestmark = pytest.mark.integration

SAID = "A circle is every point at one distance from its centre."
WEB = """import React from "react";
import {AbsoluteFill, Composition, interpolate, registerRoot, useCurrentFrame} from "remotion";

const Title: React.FC = () => {
  const frame = useCurrentFrame();
  const opacity = interpolate(frame, [0, 14], [0, 1], {extrapolateRight: "clamp"});
  return (
    <AbsoluteFill style={{background: "#123", alignItems: "center", justifyContent: "center"}}>
      <h1 style={{color: "white", fontFamily: "DejaVu Sans", opacity}}>Circles</h1>
    </AbsoluteFill>
  );
};

registerRoot(() => (
  <Composition id="Title" component={Title} durationInFrames={15} fps={15}
    width={854} height={480} />
));
"""


@pytest.fixture(scope="module")
def speaking(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """An API whose lessons may speak (the other API tests' servers keep them silent)."""
    logs = tmp_path_factory.mktemp("narration-api-logs")
    server = ApiServer(data_dir, logs, {"SCENEFARM_NARRATION": "1"}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def carol(speaking: ApiServer) -> Key:
    return speaking.key("carol")


def _body(nonce: str, **options: Any) -> dict[str, Any]:
    spoken = {**code_scene("SaidCircle", CIRCLE, nonce), "narration": SAID}
    return {"scenes": [spoken, code_scene("QuietSquare", SQUARE, nonce)], **options}


def _streams(video: Path) -> list[str]:
    argv = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json"]
    done = subprocess.run([*argv, str(video)], capture_output=True, text=True, check=True)
    return [s["codec_type"] for s in json.loads(done.stdout)["streams"]]


def _fetch(server: ApiServer, key: Key, url: str, into: Path) -> Path:
    path = url[url.index("/artifacts/") :] if "/artifacts/" in url else url
    response = server.call("GET", path, key)
    assert response.status_code == 200, (url, response.text[:300])
    into.write_bytes(response.content)
    return into


def test_a_code_lessons_scene_speaks_its_text_with_captions(
    speaking: ApiServer, carol: Key, tmp_path: Path
) -> None:
    lesson_id = speaking.create(carol, _body(uuid.uuid4().hex))
    lesson = speaking.wait_job(carol, lesson_id, 1)
    assert lesson["status"] == "ready", lesson
    version = lesson["versions"][-1]
    assert {"captions.vtt", "captions.srt", "chapters.vtt"} <= set(version["caption_urls"])
    cues = list(
        srt.parse(
            _fetch(
                speaking, carol, version["caption_urls"]["captions.srt"], tmp_path / "c.srt"
            ).read_text()
        )
    )
    assert " ".join(c.content for c in cues).replace("\n", " ") == SAID
    vtt = webvtt.read(
        str(_fetch(speaking, carol, version["caption_urls"]["captions.vtt"], tmp_path / "c.vtt"))
    )
    assert len(vtt.captions) == len(cues)
    video = _fetch(speaking, carol, version["video_url"], tmp_path / "lesson.mp4")
    assert _streams(video) == ["video", "audio"]


def test_narration_false_keeps_the_lesson_silent(
    speaking: ApiServer, carol: Key, tmp_path: Path
) -> None:
    lesson_id = speaking.create(carol, _body(uuid.uuid4().hex, narration=False))
    lesson = speaking.wait_job(carol, lesson_id, 1)
    assert lesson["status"] == "ready", lesson
    version = lesson["versions"][-1]
    assert version["caption_urls"] == {}
    video = _fetch(speaking, carol, version["video_url"], tmp_path / "lesson.mp4")
    assert _streams(video) == ["video"]


def test_a_scene_sent_as_a_web_scene_renders_in_the_web_engine(
    speaking: ApiServer, carol: Key
) -> None:
    body = {"scenes": [{"engine": "web", "code": WEB}, code_scene("AfterTitle", CIRCLE)]}
    lesson = speaking.wait_job(carol, speaking.create(carol, body), 1)
    assert lesson["status"] == "ready", lesson
    report = lesson["versions"][-1]["report"]
    assert [(s["name"], s["engine"]) for s in report["scenes"]] == [
        ("Title", "web"),
        ("AfterTitle", "manim"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scenes": [{"engine": "web", "code": "from manim import *"}]}, "body.scenes[0].code"),
        ({"prompt": "circles", "voice": "not a voice!"}, "body.voice"),
        ({"prompt": "circles", "engine": "flash"}, "body.engine"),
    ],
)
def test_bad_engine_and_voice_fields_are_named(
    speaking: ApiServer, carol: Key, body: dict[str, Any], field: str
) -> None:
    response = speaking.call("POST", "/v1/lessons", carol, json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.text
