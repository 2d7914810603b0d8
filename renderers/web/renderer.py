"""Web scenes as an engine: React scenes (the 'remotion' API subset, our own runtime) rendered
in headless Chromium inside the sandbox, in the same shape as ManimRenderer.

The scene file is transformed on the host by esbuild (transform only: nothing is resolved or
bundled) and runs only in the sandboxed page. Each job starts its own browser and page: the
sandbox's guest ends every process a job leaves behind (see the report on warm browsers).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

from renderers.errors import ChunkRenderError, SceneCodeError
from renderers.models import ChunkSpec, RenderedChunk, SceneProbe, SceneSource, ScoutSpec
from renderers.mp4 import Mp4Error, video_track
from renderers.poster import checked_poster
from renderers.quality import PRESETS, Quality
from renderers.web.layout import layout_issues
from renderers.web.runtime_build import runtime_bytes, runtime_version
from renderers.web.timeline import Composition, segment_frames
from renderers.web.transpile import Transpiled, transpile
from sandbox import Sandbox, SandboxJob, SandboxLimits, SandboxResult, SandboxSpec, SandboxStatus

GUEST_DIR = Path(__file__).resolve().parent.parent / "guest"
ENTRY = "web_entry"
CHUNK_FILE = "chunk.mp4"
POSTER_FILE = "poster.jpg"
SCENE_FILE = "scene.js"
RUNTIME_FILE = "runtime.js"
MAX_ASSETS = 256
GL_MODES = ("software", "swiftshader")
IDENTITY_SCENE = SceneSource(
    "identity.tsx",
    'import {Composition, registerRoot} from "remotion";\n'
    'registerRoot(() => <Composition id="I" component={() => null} durationInFrames={1}'
    " fps={30} width={16} height={16} />);\n",
)
_AT_LINE = re.compile(r" \(at scene\.js:(\d+)\)$")
_COMPOSITION = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_ASSET_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-/ ]{0,199}$")
# Chromium is many processes with many threads each (RLIMIT_NPROC counts threads), and
# reserves far more address space than it uses (V8's cage alone is terabytes of virtual
# memory): the job's address-space limit cannot be a memory cap for it. The sandbox's memory
# cgroup (bwrap as root, docker) is what caps its memory.
BROWSER_PROCESSES = 1024
BROWSER_ADDRESS_SPACE_MB = 1 << 24  # 16 TiB: RLIMIT_AS as good as off


class WebRenderer:
    engine = "web"

    def __init__(
        self,
        assets: Mapping[str, bytes] | None = None,
        frame_timeout_s: float = 40.0,
        begin_frame: bool = True,
        gl: str = "software",
    ) -> None:
        """`assets`: the lesson's files that staticFile() names; `frame_timeout_s`: how long
        a frame may take before the page counts as stuck; `begin_frame`: capture through
        HeadlessExperimental.beginFrame (chromium-headless-shell's deterministic mode) rather
        than Page.captureScreenshot; `gl`: "software" or "swiftshader" (see web_cdp.GL_FLAGS).
        All three change pixels, so they belong in a chunk's cache key (`cache_identity`)."""
        if gl not in GL_MODES:
            raise ValueError(f"gl must be one of {', '.join(GL_MODES)}, got {gl!r}")
        self.assets = _checked_assets(assets or {})
        self.frame_timeout_s = frame_timeout_s
        self.begin_frame = begin_frame
        self.gl = gl

    def sandbox_spec(self, limits: SandboxLimits, owner: str) -> SandboxSpec:
        return SandboxSpec(
            preload=(ENTRY,), guest_dirs=(GUEST_DIR,), limits=browser_threads(limits), owner=owner
        )

    def prewarm(self, sandbox: Sandbox) -> None:
        """Nothing to warm: a browser cannot outlive its job in the sandbox (yet)."""

    def version(self) -> str:
        return f"web-runtime {runtime_version()}"

    def cache_identity(self, browser: str) -> str:
        """What a chunk's pixels depend on besides the scene's code: the runtime (its build
        hash), `browser` (the browser's version and the sandbox's fonts, as the sandbox
        reported them), the GL mode, the capture method and the lesson's assets. list_scenes
        returns it as the engine's version, which the farm's cache keys include."""
        capture = "beginFrame" if self.begin_frame else "screenshot"
        assets = hashlib.sha256()
        for name in sorted(self.assets):
            assets.update(f"{name}\0{len(self.assets[name])}\0".encode() + self.assets[name])
        return f"{self.version()}|{browser}|gl={self.gl}|{capture}|assets={assets.hexdigest()[:16]}"

    def list_scenes(self, sandbox: Sandbox, source: SceneSource) -> tuple[list[str], str]:
        comps, browser = self._compositions(sandbox, source, "scene")
        return [c.id for c in comps], self.cache_identity(browser)

    def sandbox_identity(self, sandbox: Sandbox) -> str:
        """cache_identity() as this sandbox renders: its browser and its fonts (one job)."""
        _, browser = self._compositions(sandbox, IDENTITY_SCENE, "identity")
        return self.cache_identity(browser)

    def probe(
        self, sandbox: Sandbox, source: SceneSource, scene: str, layout: bool = False
    ) -> SceneProbe:
        """The composition's segments as its animations; with `layout`, also the text cut
        off, overflowing or overlapping at the end of each segment (at the LOW preset's size:
        layout is in the composition's own pixels, scaled)."""
        comp = self.composition(sandbox, source, scene)
        if not layout:
            return SceneProbe(scene, comp.segments())
        preset = PRESETS[Quality.LOW]
        video = {"width": preset.width, "height": preset.height, "fps": preset.fps}
        payload = {"composition": scene, "video": video}
        result = self._run(sandbox, source, "layout", payload, (), Path("/nonexistent"), scene)
        if not result.ok:
            raise self._scene_error(scene, result, source)
        return SceneProbe(scene, comp.segments(), layout_issues(result.value))

    def composition(self, sandbox: Sandbox, source: SceneSource, scene: str) -> Composition:
        _check_name(scene)
        comps, _ = self._compositions(sandbox, source, scene)
        found = next((c for c in comps if c.id == scene), None)
        if found is None:
            names = ", ".join(c.id for c in comps) or "none"
            raise SceneCodeError(
                scene, "NoSuchComposition", f"the file's compositions: {names}", None
            )
        return found

    def scout(
        self, sandbox: Sandbox, source: SceneSource, scout: ScoutSpec, dest_dir: Path
    ) -> tuple[SceneProbe, RenderedChunk, Path]:
        """The probe and the chunk of the first segments within the budget, in one job (the
        page lists the compositions and renders from the start until the budget is spent)."""
        _check_name(scout.scene)
        payload = {"budget": scout.budget_frames, "list": True}
        result, path = self._render_job(
            sandbox, source, scout.scene, scout.quality, payload, dest_dir
        )
        value = result.value if isinstance(result.value, dict) else {}
        comp = next(
            (c for c in _compositions(value.get("compositions")) if c.id == scout.scene), None
        )
        if comp is None:
            raise ChunkRenderError(
                scout.label, "output_rejected", "the scout listed no such composition"
            )
        probe = SceneProbe(scout.scene, comp.segments())
        fps = PRESETS[scout.quality].fps
        drawn = value.get("frames")
        size = segment_frames(fps)
        if type(drawn) is not int or drawn <= 0:
            raise ChunkRenderError(scout.label, "output_rejected", f"drew {drawn!r} frames")
        last = min(len(probe.animations), -(-drawn // size)) - 1
        spec = ChunkSpec(scout.scene, 0, 0, last, probe.frames(fps, 0, last), scout.quality)
        return probe, self._rendered(spec, path, result), path

    def render_chunk(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        chunk: ChunkSpec,
        dest_dir: Path,
        tex: tuple[tuple[str, str], ...] = (),  # noqa: ARG002 (the Renderer protocol's: Manim's TeX)
    ) -> tuple[RenderedChunk, Path]:
        """Renders segments chunk.first..chunk.last of the composition into one MP4 (one job:
        the page finds the composition's length itself)."""
        _check_name(chunk.scene)
        payload = {"segments": [chunk.first, chunk.last]}
        result, path = self._render_job(
            sandbox, source, chunk.scene, chunk.quality, payload, dest_dir
        )
        return self._rendered(chunk, path, result), path

    @staticmethod
    def _rendered(chunk: ChunkSpec, path: Path, result: SandboxResult) -> RenderedChunk:
        """The chunk a job wrote, once its MP4 and poster are checked."""
        count = _validate(chunk, path, chunk.est_frames)
        poster = checked_poster(chunk, result.outputs[POSTER_FILE].read_bytes())
        return RenderedChunk(
            chunk,
            count,
            result.duration_s,
            result.peak_memory_mb,
            poster=poster,
            meta=_timings(result.value),
        )

    def render_frames(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        scene: str,
        quality: Quality,
        frames: tuple[int, int],
        dest_dir: Path,
    ) -> tuple[SandboxResult, Path]:
        """Preset frames first..last into an MP4 (segment boundaries still count from frame 0):
        for tests and the bench."""
        _check_name(scene)
        payload = {"frames": list(frames)}
        return self._render_job(sandbox, source, scene, quality, payload, dest_dir)

    # -- internals -----------------------------------------------------------------------------

    def _render_job(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        scene: str,
        quality: Quality,
        payload: dict[str, Any],
        dest_dir: Path,
    ) -> tuple[SandboxResult, Path]:
        preset = PRESETS[quality]
        video = {"width": preset.width, "height": preset.height, "fps": preset.fps}
        payload = {"composition": scene, "video": video, **payload}
        outputs = (CHUNK_FILE, POSTER_FILE)
        result = self._run(sandbox, source, "render", payload, outputs, dest_dir, scene)
        if not result.ok:
            raise self._scene_error(scene, result, source)
        return result, result.outputs[CHUNK_FILE]

    def _compositions(
        self, sandbox: Sandbox, source: SceneSource, scene: str
    ) -> tuple[list[Composition], str]:
        result = self._run(sandbox, source, "compositions", {}, (), Path("/nonexistent"), scene)
        if not result.ok:
            raise self._scene_error(scene, result, source)
        value = result.value if isinstance(result.value, dict) else {}
        browser = str(value.get("browser", ""))[:100]
        fonts = re.sub(r"[^0-9a-f]", "", str(value.get("fonts", "")))[:16]
        return _compositions(value.get("compositions")), f"{browser}|fonts={fonts}"

    def _run(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        func: str,
        payload: dict[str, Any],
        outputs: tuple[str, ...],
        dest_dir: Path,
        scene: str = "scene",
    ) -> SandboxResult:
        code = _transpiled(source.code, scene).code
        assets = {f"asset-{i}": name for i, name in enumerate(sorted(self.assets))}
        files = {SCENE_FILE: code.encode(), RUNTIME_FILE: runtime_bytes()}
        files |= {local: self.assets[name] for local, name in assets.items()}
        job = SandboxJob(
            entry=f"{ENTRY}:{func}",
            payload={
                "file": SCENE_FILE,
                "runtime": RUNTIME_FILE,
                "assets": {name: local for local, name in assets.items()},
                "begin_frame": self.begin_frame,
                "gl": self.gl,
                "frame_timeout_s": self.frame_timeout_s,
                **payload,
            },
            files=files,
            outputs=outputs,
            limits=browser_job_limits(sandbox_limits(sandbox)),
            owner=source.owner or None,
        )
        return sandbox.run(job, dest_dir)

    @staticmethod
    def _scene_error(scene: str, result: SandboxResult, source: SceneSource) -> SceneCodeError:
        error = result.error
        if error is not None:
            kind, message = _page_error(error.type, error.message)
            message, line = _scene_line(message, _transpiled(source.code, scene))
            return SceneCodeError(scene, kind, message, line, result.status.value, error.traceback)
        detail = result.detail or result.stderr_tail[-300:] or "failed"
        return SceneCodeError(
            scene, _status_title(result.status), detail, None, result.status.value
        )


def browser_threads(limits: SandboxLimits) -> SandboxLimits:
    """The sandbox's limits with room for a browser's threads (its pids cgroup, its nproc)."""
    return limits.override(processes=max(limits.processes, BROWSER_PROCESSES))


def browser_job_limits(limits: SandboxLimits) -> SandboxLimits:
    """A job's limits: the browser's threads, and no address-space cap (the sandbox's memory
    cgroup, sized from the sandbox's own memory_mb, still caps what it uses)."""
    return browser_threads(limits).override(
        memory_mb=max(limits.memory_mb, BROWSER_ADDRESS_SPACE_MB)
    )


def sandbox_limits(sandbox: Sandbox) -> SandboxLimits:
    spec = getattr(sandbox, "spec", None)
    return spec.limits if isinstance(spec, SandboxSpec) else SandboxLimits()


@lru_cache(maxsize=16)
def _transpiled(code: str, scene: str) -> Transpiled:
    """A scene file's transform, once per text (a job and its error share it)."""
    return transpile(code, scene)


def _scene_line(message: str, transpiled: Transpiled) -> tuple[str, int | None]:
    """The page's "(at scene.js:N)" turned into the scene file's own line number."""
    where = _AT_LINE.search(message)
    if where is None:
        return message, None
    return message[: where.start()], transpiled.source_line(int(where.group(1)))


def _page_error(kind: str, message: str) -> tuple[str, str]:
    """The page's error name and message: the guest raises SceneError("Name: message")."""
    if kind in ("SceneError", "FrameTimeout") and ": " in message:
        name, _, rest = message.partition(": ")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,99}", name):
            return name, rest
    return kind, message


def _compositions(raw: Any) -> list[Composition]:
    """The compositions the page listed (untrusted data: only well-formed entries are kept)."""
    found: list[Composition] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or not _COMPOSITION.match(str(item.get("id", ""))):
            continue
        numbers = [item.get(k) for k in ("durationInFrames", "fps", "width", "height")]
        if not all(type(n) is int and 0 < n <= 1_000_000 for n in numbers):
            continue
        duration, fps, width, height = (int(n) for n in numbers)  # type: ignore[arg-type]
        found.append(Composition(str(item["id"]), duration, fps, width, height))
    return found


def _checked_assets(assets: Mapping[str, bytes]) -> dict[str, bytes]:
    if len(assets) > MAX_ASSETS:
        raise ValueError(f"at most {MAX_ASSETS} assets")
    for name in assets:
        parts = name.split("/")
        if not _ASSET_NAME.match(name) or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"asset name {name!r} is not allowed")
    return dict(assets)


def _check_name(scene: str) -> None:
    if not _COMPOSITION.match(scene):
        raise SceneCodeError(scene[:60], "InvalidName", "not a valid composition id", None)


def _validate(chunk: ChunkSpec, path: Path, expected_frames: int) -> int:
    preset = PRESETS[chunk.quality]
    try:
        info = video_track(path)
    except Mp4Error as e:
        raise ChunkRenderError(chunk.label, "output_rejected", str(e)) from e
    expected = ("h264", preset.width, preset.height, Fraction(preset.fps), expected_frames)
    actual = (info.codec, info.width, info.height, info.fps, info.frames)
    if actual != expected:
        raise ChunkRenderError(chunk.label, "output_rejected", f"expected {expected}, got {actual}")
    return info.frames


def _timings(value: Any) -> dict[str, str]:
    """The guest's own timings (untrusted, only for reports and the bench)."""
    if not isinstance(value, dict):
        return {}
    keys = ("boot_s", "load_s", "settle_s", "capture_s", "encode_s", "browser")
    return {k: str(value[k])[:100] for k in keys if k in value}


def _status_title(status: SandboxStatus) -> str:
    return {
        SandboxStatus.TIMEOUT: "Timeout",
        SandboxStatus.MEMORY: "MemoryLimit",
        SandboxStatus.KILLED: "Killed",
        SandboxStatus.FORBIDDEN: "Forbidden",
        SandboxStatus.OUTPUT_REJECTED: "OutputRejected",
    }.get(status, "Error")
