"""Cache keys of web scenes (renderers/cache_keys.py) and the engine a file is drawn by."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.farm.worker import make_renderer
from renderers import SceneSource, file_key, scene_fingerprint
from renderers.engines import engine_of
from renderers.web import WebRenderer

TSX = """import {Composition, registerRoot} from "remotion";
const A = () => <div>a</div>;
const B = () => <div>b</div>;
registerRoot(() => <>
  <Composition id="A" component={A} durationInFrames={30} fps={30} width={64} height={64} />
  <Composition id="B" component={B} durationInFrames={30} fps={30} width={64} height={64} />
</>);
"""
WEB = SceneSource("lesson.tsx", TSX)


@pytest.mark.parametrize(
    ("name", "engine"),
    [("a.tsx", "web"), ("a.JSX", "web"), ("scene_01.py", "manim"), ("lesson", "manim")],
)
def test_the_engine_is_the_files(name: str, engine: str) -> None:
    assert engine_of(SceneSource(name, "")) == engine


def test_a_web_fingerprint_covers_the_whole_file() -> None:
    """Compositions share one module: editing B's body changes A's key too."""
    edited = SceneSource("lesson.tsx", TSX.replace("<div>b</div>", "<div>bb</div>"))
    assert scene_fingerprint(WEB, "A", ["A", "B"]) != scene_fingerprint(edited, "A", ["A", "B"])
    assert scene_fingerprint(WEB, "A", ["A", "B"]) == scene_fingerprint(WEB, "B", ["A", "B"])


def test_the_same_text_as_python_and_as_tsx_are_different_scenes() -> None:
    python = SceneSource("lesson.py", TSX)
    assert scene_fingerprint(WEB, "A", ["A"]) != scene_fingerprint(python, "A", ["A"])


def test_a_web_scene_list_key_follows_the_file_and_the_engine_identity() -> None:
    edited = SceneSource("lesson.tsx", TSX.replace("<div>b</div>", "<div>bb</div>"))
    assert file_key(WEB, "web-runtime x|chromium 1") != file_key(edited, "web-runtime x|chromium 1")
    assert file_key(WEB, "web-runtime x|chromium 1") != file_key(WEB, "web-runtime x|chromium 2")


def test_make_renderer_picks_by_engine() -> None:
    assert isinstance(make_renderer("web"), WebRenderer)
    assert make_renderer("manim").engine == "manim"
    with pytest.raises(ValueError, match="unknown engine"):
        make_renderer("opengl")


def test_a_web_scene_length_is_guessed_from_its_composition() -> None:
    from renderers.estimate import web_scene_seconds

    assert web_scene_seconds(TSX, ["A", "B", "C"]) == {"A": 1.0, "B": 1.0, "C": None}


def test_a_worker_makes_the_web_engine_only_when_a_web_scene_comes(tmp_path: Path) -> None:
    """Making an engine starts its sandbox: every one is closed at the end, or its mounts
    would outlive the test under tmp_path."""
    from cluster.farm.worker import RenderWorker, WorkerConfig

    worker = RenderWorker(WorkerConfig(backend="bwrap", sandbox_root=tmp_path))
    try:
        assert list(worker.engines) == ["manim"]
        web = worker._for(WEB)  # the web engine has nothing to prewarm: no job runs
        assert list(worker.engines) == ["manim", "web"] and isinstance(web.renderer, WebRenderer)
        assert web.sandbox is not worker.sandbox
        assert worker._for(WEB) is web  # one per engine, kept
    finally:
        for engine in worker.engines.values():
            engine.sandbox.close()
