"""Manim Community as an engine: listing, probing and rendering chunks inside a sandbox."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from renderers.errors import ChunkRenderError, SceneCodeError
from renderers.models import (
    AnimationInfo,
    ChunkSpec,
    RenderedChunk,
    SceneProbe,
    SceneSource,
    ScoutSpec,
)
from renderers.mp4 import Mp4Error, video_track
from renderers.poster import checked_poster
from renderers.quality import PRESETS, Quality
from sandbox import Sandbox, SandboxJob, SandboxLimits, SandboxResult, SandboxSpec, SandboxStatus

GUEST_DIR = Path(__file__).parent / "guest"
ENTRY = "manim_entry"
CHUNK_FILE = "chunk.mp4"
POSTER_FILE = "poster.jpg"  # empty unless the chunk ends its scene
_FILENAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}\.py$")
_TEX_SVG = re.compile(r"^[0-9a-f]{16}\.svg$")
TEX_MAX_FILES = 512
PREWARM_GLYPHS = "0123456789.-+"
_SCENE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
MAX_BEATS = 200


def _safe_filename(source: SceneSource) -> str:
    """The name the file gets in the sandbox (and in tracebacks): its own, if it is tame."""
    name = Path(source.filename).name
    return name if _FILENAME.match(name) else "scene.py"


def _check_scene_name(scene: str) -> None:
    if not _SCENE.match(scene):
        raise SceneCodeError(scene[:60], "InvalidName", "not a valid scene class name", None)


class ManimRenderer:
    engine = "manim"

    def sandbox_spec(self, limits: SandboxLimits, owner: str) -> SandboxSpec:
        return SandboxSpec(
            preload=("manim", ENTRY), guest_dirs=(GUEST_DIR,), limits=limits, owner=owner
        )

    def prewarm(self, sandbox: Sandbox) -> None:
        """Compiles the glyphs of numbers (DecimalNumber, Integer, axis labels: nearly every
        lesson has some) into the sandbox's LaTeX cache once, when it starts, rather than in
        the middle of the first chunks that show them, on every worker (about 4 s here)."""
        job = SandboxJob(entry=f"{ENTRY}:prewarm", payload={"glyphs": list(PREWARM_GLYPHS)})
        result = sandbox.run(job, Path("/nonexistent"))
        if not result.ok:
            detail = result.error.message if result.error else result.detail
            raise ChunkRenderError("prewarm", result.status.value, detail or "failed")

    def list_scenes(self, sandbox: Sandbox, source: SceneSource) -> tuple[list[str], str]:
        value = self._call(sandbox, source, "list_scenes", {}, scene=Path(source.filename).name)
        names = [str(n) for n in value.get("scenes", []) if isinstance(n, str) and _SCENE.match(n)]
        return names, str(value.get("manim", ""))

    def probe(
        self, sandbox: Sandbox, source: SceneSource, scene: str, layout: bool = False
    ) -> SceneProbe:
        """Run times of every animation; with `layout`, also what ends off-frame or overlapping."""
        _check_scene_name(scene)
        # Run times do not depend on the size, but layout checks use the frame's proportions.
        # The layout check steps through every frame (and so finds an updater failing mid-
        # animation before any chunk renders); planning a render needs only the run times.
        payload = {"scene": scene, "video": _video(Quality.LOW), "layout": layout, "step": layout}
        payload |= _narration(source)
        value = self._call(sandbox, source, "probe", payload, scene=scene)
        return _probe(scene, value)

    def scout(
        self, sandbox: Sandbox, source: SceneSource, scout: ScoutSpec, dest_dir: Path
    ) -> tuple[SceneProbe, RenderedChunk, Path]:
        """One build of a scene for its probe and its first chunk (see Renderer.scout)."""
        _check_scene_name(scout.scene)
        payload = {
            "scene": scout.scene,
            "video": _video(scout.quality),
            "budget": scout.budget_frames,
            "still_s": scout.still_s,
            **_narration(source),
        }
        result = self._run(sandbox, source, "scout", payload, (CHUNK_FILE, POSTER_FILE), dest_dir)
        if not result.ok:
            raise self._scene_error(scout.scene, source, result)
        value = result.value if isinstance(result.value, dict) else {}
        probe = _probe(scout.scene, value)
        chunk = _scouted_chunk(scout, probe, value.get("rendered"))
        path = result.outputs[CHUNK_FILE]
        return probe, self._rendered(chunk, path, result), path

    def render_chunk(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        chunk: ChunkSpec,
        dest_dir: Path,
        tex: tuple[tuple[str, str], ...] = (),
    ) -> tuple[RenderedChunk, Path]:
        """Renders one chunk; `tex` (from the scene's probe) spares it compiling that TeX."""
        _check_scene_name(chunk.scene)
        given = {name: svg.encode() for name, svg in tex if _TEX_SVG.match(name)}
        payload = {
            "scene": chunk.scene,
            "first": chunk.first,
            "last": chunk.last,
            "video": _video(chunk.quality),
            "still_s": chunk.still_s,
            "tex": sorted(given),
            **_narration(source),
        }
        result = self._run(
            sandbox, source, "render", payload, (CHUNK_FILE, POSTER_FILE), dest_dir, given
        )
        if not result.ok:
            raise self._scene_error(chunk.scene, source, result)
        path = result.outputs[CHUNK_FILE]
        return self._rendered(chunk, path, result), path

    def _rendered(self, chunk: ChunkSpec, path: Path, result: SandboxResult) -> RenderedChunk:
        """The chunk a job wrote, once its MP4 is checked."""
        frames = self._validate(chunk, path)
        value = result.value if isinstance(result.value, dict) else {}
        runs = value.get("latex_runs", 0)
        return RenderedChunk(
            chunk,
            frames,
            result.duration_s,
            result.peak_memory_mb,
            latex_runs=runs if isinstance(runs, int) and runs >= 0 else 0,
            poster=checked_poster(chunk, result.outputs[POSTER_FILE].read_bytes()),
        )

    # -- internals ---------------------------------------------------------------------------

    def _run(
        self,
        sandbox: Sandbox,
        source: SceneSource,
        func: str,
        payload: dict[str, Any],
        outputs: tuple[str, ...],
        dest_dir: Path,
        files: dict[str, bytes] | None = None,
    ) -> SandboxResult:
        filename = _safe_filename(source)
        job = SandboxJob(
            entry=f"{ENTRY}:{func}",
            payload={"file": filename, **payload},
            files={**(files or {}), filename: source.code.encode()},
            outputs=outputs,
            owner=source.owner or None,
        )
        return sandbox.run(job, dest_dir)

    def _call(
        self, sandbox: Sandbox, source: SceneSource, func: str, payload: dict[str, Any], scene: str
    ) -> dict[str, Any]:
        result = self._run(sandbox, source, func, payload, (), Path("/nonexistent"))
        if not result.ok:
            raise self._scene_error(scene, source, result)
        return result.value if isinstance(result.value, dict) else {}

    @staticmethod
    def _scene_error(scene: str, source: SceneSource, result: SandboxResult) -> SceneCodeError:
        error = result.error
        if error is not None:
            line = error.line_in(_safe_filename(source))
            return SceneCodeError(
                scene, error.type, error.message, line, result.status.value, error.traceback
            )
        detail = result.detail or result.stderr_tail[-300:] or "failed"
        return SceneCodeError(
            scene, _status_title(result.status), detail, None, result.status.value
        )

    @staticmethod
    def _validate(chunk: ChunkSpec, path: Path) -> int:
        preset = PRESETS[chunk.quality]
        try:
            info = video_track(path)
        except Mp4Error as e:
            raise ChunkRenderError(chunk.label, "output_rejected", str(e)) from e
        expected = ("h264", preset.width, preset.height, Fraction(preset.fps))
        actual = (info.codec, info.width, info.height, info.fps)
        if actual != expected or info.frames <= 0:
            raise ChunkRenderError(
                chunk.label, "output_rejected", f"expected {expected}, got {actual}"
            )
        return info.frames


MAX_ANIMATIONS = 10_000  # far past any lesson scene; planning and storing stay bounded


def _probe(scene: str, value: dict[str, Any]) -> SceneProbe:
    """A probe as the guest reported it (untrusted data: only well-formed values are kept).
    A scene claiming more than MAX_ANIMATIONS animations fails as its own error."""
    reported = value.get("animations", [])
    if not isinstance(reported, list) or len(reported) > MAX_ANIMATIONS:
        count = len(reported) if isinstance(reported, list) else "no list of"
        message = f"{count} animations; a scene may have at most {MAX_ANIMATIONS}"
        raise SceneCodeError(scene, "TooManyAnimations", message, None, "output_rejected")
    animations = tuple(
        AnimationInfo(
            i,
            max(0.0, float(run_time)),
            tuple(str(k) for k in kinds),
            max(0.0, float(build_s[0])) if build_s else 0.0,
        )
        for i, (run_time, kinds, *build_s) in enumerate(reported)
    )
    issues = tuple(str(i)[:300] for i in value.get("layout", []) if isinstance(i, str))
    marks, frames = _marks(value.get("beat_marks")), _marks(value.get("beat_frames"))
    return SceneProbe(scene, animations, issues[:20], _tex(value.get("tex")), marks, frames)


def _narration(source: SceneSource) -> dict[str, Any]:
    """What the guest's voice helper needs: beat durations and the final hold (nothing for a
    silent scene, whose payload stays as it was)."""
    out: dict[str, Any] = {}
    if source.beats:
        out["beats"] = list(source.beats)
    if source.hold_frames:
        out["hold_frames"] = source.hold_frames
    return out


def _marks(raw: Any) -> tuple[int | None, ...]:
    """Beat marks as the guest reported them (untrusted: anything but small ints or None is
    dropped whole, and the narration's timing check then reports the mismatch)."""
    if not isinstance(raw, list) or len(raw) > MAX_BEATS:
        return ()
    if not all(m is None or (type(m) is int and 0 <= m < 10**7) for m in raw):
        return ()
    return tuple(raw)


def _scouted_chunk(scout: ScoutSpec, probe: SceneProbe, rendered: Any) -> ChunkSpec:
    """The chunk a scout drew: its scene's first `rendered` animations, or its still clip."""
    fps = PRESETS[scout.quality].fps
    if probe.is_still:
        frames = max(1, round(scout.still_s * fps))
        return ChunkSpec(scout.scene, 0, -1, -1, frames, scout.quality, scout.still_s)
    if not isinstance(rendered, int) or not 1 <= rendered <= len(probe.animations):
        detail = f"drew {rendered!r} of {len(probe.animations)} animations"
        raise ChunkRenderError(scout.label, "output_rejected", detail)
    last = rendered - 1
    return ChunkSpec(scout.scene, 0, 0, last, probe.frames(fps, 0, last), scout.quality)


def _tex(raw: Any) -> tuple[tuple[str, str], ...]:
    """The SVGs a probe returned: well-named text only (the guest made them: untrusted data,
    passed on to chunks of the same scene, never parsed here)."""
    if not isinstance(raw, dict):
        return ()
    found = [
        (name, svg)
        for name, svg in raw.items()
        if isinstance(name, str) and _TEX_SVG.match(name) and isinstance(svg, str)
    ]
    return tuple(sorted(found))[:TEX_MAX_FILES]


def _video(quality: Quality) -> dict[str, int]:
    """The preset as the guest needs it: PRESETS stays the one table of sizes and rates."""
    preset = PRESETS[quality]
    return {"width": preset.width, "height": preset.height, "fps": preset.fps}


def _status_title(status: SandboxStatus) -> str:
    return {
        SandboxStatus.TIMEOUT: "Timeout",
        SandboxStatus.MEMORY: "MemoryLimit",
        SandboxStatus.KILLED: "Killed",
        SandboxStatus.FORBIDDEN: "Forbidden",
        SandboxStatus.OUTPUT_REJECTED: "OutputRejected",
    }.get(status, "Error")
