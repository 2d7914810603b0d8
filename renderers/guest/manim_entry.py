"""Manim entry points that run *inside* the sandbox, in a child forked from a warm zygote.

Only manim and the standard library: nothing of scenefarm's host side is importable here.
Each function takes the job payload and returns JSON data; files go to the job's working dir.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import manim
import numpy as np
import voice
from manim import (
    DecimalNumber,
    MarkupText,
    MathTex,
    Mobject,
    Paragraph,
    Scene,
    SingleStringMathTex,
    Text,
    ThreeDScene,
    VMobject,
    config,
    tempconfig,
)
from manim._config.utils import ManimConfig
from manim.constants import RendererType
from manim.manager import Manager
from manim.mobject.text import tex_mobject
from manim.renderer.cairo_renderer import CairoRenderer
from manim.utils import tex_file_writing
from PIL import Image

CHUNK_FILE = "chunk.mp4"
POSTER_FILE = "poster.jpg"  # the scene's last frame, from the job that drew it (else empty)
POSTER_QUALITY = 85
CACHE_ROOT = "/scratch/cache"  # the sandbox's own, writable by its jobs, kept across them
TEX_CACHE = f"{CACHE_ROOT}/tex"  # separate dirs: Manim deletes every non-SVG file in tex_dir
TEXT_CACHE = f"{CACHE_ROOT}/texts"
CACHE_MIN_FREE_SHARE = 0.25  # of the scratch space: below it, the cache is emptied
TEX_SVG = re.compile(r"^[0-9a-f]{16}\.svg$")  # Manim's name for a TeX expression's SVG
TEX_SHARE_MAX_BYTES = 1 << 20


def _share_svg_paths() -> None:
    """Copies of SVG-made mobjects (Text, MathTex, their digits) share the parsed SVG path.

    Manim deep-copies a mobject for every Transform, FadeIn, Write and DecimalNumber update,
    and with it the `path_obj` each SVG part keeps from parsing: a tree of thousands of small
    objects, only ever read once, to make the part's points when it is built. Sharing it
    instead leaves every point and every frame as it was, and makes those copies about five
    times cheaper (the sample lesson's text scenes build and probe in half the time).
    """
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    deepcopy = Mobject.__deepcopy__

    def sharing_deepcopy(self: Mobject, memo: dict[int, Any]) -> Mobject:
        path = self.__dict__.get("path_obj")
        if path is not None:
            memo[id(path)] = path
        return deepcopy(self, memo)

    VMobjectFromSVGPath.__deepcopy__ = sharing_deepcopy  # type: ignore[assignment,method-assign]


_share_svg_paths()


def _skip_unchanged_renderer() -> None:
    """Setting `config.renderer` re-bases every mobject class Manim can convert to OpenGL
    (`cls.__bases__ = ...`), even onto the bases it already has: ~6 ms, after which every
    attribute lookup cached for those classes starts over. Each job sets it twice (`_pin`, and
    `tempconfig` restoring the config), never to another value; only a change needs that."""
    setting: property = ManimConfig.__dict__["renderer"]
    assign = setting.fset
    assert assign is not None

    def setter(self: ManimConfig, value: str | RendererType) -> None:
        wanted = RendererType(value.lower() if isinstance(value, str) else value)
        if self._d.get("renderer") is not wanted:
            assign(self, value)

    ManimConfig.renderer = setting.setter(setter)  # type: ignore[assignment]


_skip_unchanged_renderer()

# Modules every job imported on first use: PIL's image plugins (the poster's JPEG), tqdm's
# multiprocessing lock (the lock itself is still made in each job), the ASCII codec Manim's SVG
# files are written with, PyAV's subtitle streams. Imported once here, in the zygote, they cost
# a job nothing (about 0.005 s of CPU a job before).
JOB_IMPORTS = (
    "PIL.ImageChops",
    "PIL.ImageSequence",
    "av.subtitles.stream",
    "encodings.ascii",
    "multiprocessing.synchronize",
)


def _preimport() -> None:
    for name in JOB_IMPORTS:
        importlib.import_module(name)
    Image.preinit()


_preimport()


def _load(filename: str) -> ModuleType:
    path = Path(filename).resolve()
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {filename}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _scene_classes(module: ModuleType) -> list[type[Scene]]:
    """Scene subclasses defined in the file itself, in the order their definitions appear.

    Not the module dict's order: `from manim import *` puts names like `TangentLine` in the
    dict first, and a scene of that name keeps that early place when its class replaces it.
    """
    scenes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Scene) and obj.__module__ == module.__name__
    ]
    lines = _definition_lines(module)
    return sorted(scenes, key=lambda cls: lines.get(cls.__name__, float("inf")))


def _definition_lines(module: ModuleType) -> dict[str, float]:
    source = Path(module.__file__ or "").read_text()
    tree = ast.parse(source)
    return {node.name: node.lineno for node in tree.body if isinstance(node, ast.ClassDef)}


def scene_seed(scene: str) -> int:
    """The seed of a scene's random generators: the same in its probe and every chunk, on
    every worker, so a scene that draws random numbers (StreamLines, graph layouts, plain
    `random`) continues across chunk boundaries as it would in one process."""
    return int.from_bytes(hashlib.sha256(scene.encode()).digest()[:4], "big")


def _seed(scene: str) -> None:
    """Seeds Python's and NumPy's global generators (networkx draws from both when given no
    seed) before the scene's module runs, and has Manim seed them again as the scene starts
    (Scene.__init__ seeds from config.seed, which is None, i.e. fresh entropy, by default)."""
    seed = scene_seed(scene)
    random.seed(seed)
    np.random.seed(seed)  # the global generator is what scene code uses
    config.seed = seed


def _pin(video: dict[str, int], first: int = 0, last: int = -1, dry_run: bool = False) -> None:
    """Pins every output-affecting setting, after the user's module could have changed them."""
    width, height, fps = int(video["width"]), int(video["height"]), int(video["fps"])
    config.pixel_width, config.pixel_height, config.frame_rate = width, height, fps
    config.format = "mp4"
    config.transparent = False
    config.save_sections = False
    config.save_last_frame = False
    config.write_to_movie = not dry_run  # type: ignore[attr-defined]  # a key of its defaults
    config.dry_run = dry_run
    config.disable_caching = True
    config.media_dir = os.path.abspath("media")
    if os.path.isdir(CACHE_ROOT) and os.access(CACHE_ROOT, os.W_OK):
        _trim_cache()
        # LaTeX and Pango results outlive the job, within this sandbox only (as plain Manim's
        # media dir keeps them from one run to the next)
        config.tex_dir = TEX_CACHE
        config.text_dir = TEXT_CACHE
    config.output_file = "chunk"
    config.from_animation_number = first
    config.upto_animation_number = last
    config.verbosity = "WARNING"
    config.progress_bar = "none"
    config.preview = False
    config.renderer = "cairo"


def _trim_cache() -> None:
    """Empties the sandbox's LaTeX and Pango cache when it has filled most of the scratch
    space (a long-lived worker would otherwise run out of it): it is only a cache."""
    stat = os.statvfs(CACHE_ROOT)
    if stat.f_bavail < stat.f_blocks * CACHE_MIN_FREE_SHARE:
        for entry in os.scandir(CACHE_ROOT):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                Path(entry.path).unlink(missing_ok=True)


# -- LaTeX: what a probe compiled, its scene's chunks reuse ---------------------------------------


def _recording_tex() -> list[Path]:
    """Records the SVG of every TeX expression the scene builds (compiled or found cached)."""
    used: list[Path] = []
    to_svg = tex_mobject.tex_to_svg_file  # type: ignore[attr-defined]  # imported there

    def recording(*args: Any, **kwargs: Any) -> Path:
        path = Path(to_svg(*args, **kwargs))
        used.append(path)
        return path

    tex_mobject.tex_to_svg_file = recording  # type: ignore[attr-defined]
    return used


def _counting_latex_runs() -> list[int]:
    """Counts the LaTeX compilations this job runs (what a chunk given the SVGs is spared)."""
    runs = [0]
    compile_tex = tex_file_writing.compile_tex

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs[0] += 1
        return compile_tex(*args, **kwargs)

    tex_file_writing.compile_tex = counting
    return runs


def _shared_tex(used: list[Path]) -> dict[str, str]:
    """The SVGs a probe used, for its scene's chunks: each at most once, 1 MiB in all."""
    shared: dict[str, str] = {}
    total = 0
    for path in used:
        if path.name in shared or not TEX_SVG.match(path.name) or not path.is_file():
            continue
        text = path.read_text(errors="replace")
        total += len(text)
        if total > TEX_SHARE_MAX_BYTES:
            break
        shared[path.name] = text
    return shared


def _install_tex(names: list[str]) -> None:
    """Puts the SVGs this job was given (files in its working dir) where Manim looks for
    them, so its TeX expressions are not compiled again."""
    tex_dir = Path(config.get_dir("tex_dir"))
    tex_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        dest = tex_dir / name
        if not TEX_SVG.match(name) or dest.exists() or not Path(name).is_file():
            continue
        part = tex_dir / f".{name}.part"
        part.write_bytes(Path(name).read_bytes())
        part.replace(dest)


def prewarm(payload: dict[str, Any]) -> dict[str, Any]:
    """Compiles single glyphs into the sandbox's LaTeX cache, as DecimalNumber builds its
    characters (MathTex of one character: font sizes do not change the TeX)."""
    _pin({"width": 854, "height": 480, "fps": 15}, dry_run=True)
    latex_runs = _counting_latex_runs()
    with tempconfig({}):
        for glyph in payload.get("glyphs", []):
            MathTex(str(glyph)[:8])
    return {"latex_runs": latex_runs[0]}


def list_scenes(payload: dict[str, Any]) -> dict[str, Any]:
    module = _load(payload["file"])
    return {"scenes": [cls.__name__ for cls in _scene_classes(module)], "manim": manim.__version__}


class _PlayLog:
    """Records each play: its run time, its animations' kinds, and how long building the scene
    up to its end takes, drawing nothing (what a chunk that starts later pays to skip it).

    Plays are drawn until `budget` frames are (the play that reaches it is finished); every
    later play is skipped, as Manim skips animations outside `-n`. A probe's budget is 0.
    """

    def __init__(self, budget: float, estimate_steps: bool, on_play: Any = None) -> None:
        self.budget = budget
        self.estimate_steps = estimate_steps  # skipped plays jump: estimate stepping's cost
        self.on_play = on_play
        self.plays: list[list[Any]] = []
        self.drawn = 0  # frames of the plays drawn so far
        self.rendered = 0  # plays drawn
        self.draw_s = 0.0
        self.clock = time.perf_counter()

    def install(self) -> None:
        original_play = CairoRenderer.play
        log = self

        def recording_play(self: CairoRenderer, scene: Scene, *args: Any, **kwargs: Any) -> None:
            skipped = log.drawn >= log.budget
            if skipped:
                self._original_skipping_status = True  # this play and every later one
            started, drawing = time.perf_counter(), log.draw_s
            original_play(self, scene, *args, **kwargs)
            log.played(scene, skipped, started, log.draw_s - drawing)

        CairoRenderer.play = recording_play  # type: ignore[method-assign]
        if self.budget > 0:
            self._time_drawing()

    def _time_drawing(self) -> None:
        log = self
        for name in ("render", "freeze_current_frame"):
            original = getattr(CairoRenderer, name)

            def timed(self: CairoRenderer, *args: Any, _original: Any = original) -> None:
                started = time.perf_counter()
                _original(self, *args)
                log.draw_s += time.perf_counter() - started

            setattr(CairoRenderer, name, timed)

    def played(self, scene: Scene, skipped: bool, started: float, draw_s: float) -> None:
        now = time.perf_counter()
        play_s = now - started - draw_s
        if skipped and self.estimate_steps and _has_updaters(scene):
            play_s *= max(1, _frames_in(scene.duration))
        if not skipped:
            self.rendered += 1
            self.drawn += _frames_in(scene.duration)
        kinds = [type(a).__name__ for a in (scene.animations or [])]
        self.plays.append([float(scene.duration), kinds, round(started - self.clock + play_s, 4)])
        self.clock = now
        if self.on_play is not None:
            self.on_play(scene, len(self.plays) - 1)


def probe(payload: dict[str, Any]) -> dict[str, Any]:
    """Runs one scene with every animation skipped, recording each play (see _PlayLog).

    Skipped, nothing is drawn. With `step` (the layout check of lesson generation), scenes with
    updaters step through every frame's time as a chunk does when it skips animations (see
    _fast_forward_skipped_animations): an updater that fails mid-animation fails here, and the
    layout seen at the end of each animation is the state a full render has there. Without it
    (planning a render) each animation is one jump, as in Manim's own skipping: run times are
    the same, an updater's failure shows when its chunk renders, and the cost of stepping is
    estimated (the jump's time, once per frame).
    """
    voice.set_beats(payload.get("beats", ()), payload.get("hold_frames", 0))
    _seed(payload["scene"])
    module = _load(payload["file"])
    scene_cls = voice.held(getattr(module, payload["scene"]))
    step = bool(payload.get("step", True))
    layout: list[str] = []

    def note_layout(scene: Scene, animation: int) -> None:
        _note_layout(scene, animation, layout)

    log = _PlayLog(0, not step, note_layout if payload.get("layout") else None)
    log.install()
    _pin(payload["video"], dry_run=True)
    config.seed = scene_seed(payload["scene"])  # the module may have set its own
    if step:
        _fast_forward_skipped_animations()
    tex = _recording_tex()
    with tempconfig({}):
        scene_cls().render()
    return {
        "animations": log.plays,
        "layout": layout[:MAX_LAYOUT_ISSUES],
        "tex": _shared_tex(tex),
        "beat_marks": voice.marks(),
        "beat_frames": voice.mark_frames(),
    }


def scout(payload: dict[str, Any]) -> dict[str, Any]:
    """A scene's first chunk and its probe in one run: draws the scene from its start into
    chunk.mp4 until `budget` frames are drawn, then runs the rest skipped, recording every play
    as a probe does (one build of the scene where a probe and a chunk would make two). A still
    scene (no animations) is rendered as its one chunk. `rendered`: the plays drawn."""
    voice.set_beats(payload.get("beats", ()), payload.get("hold_frames", 0))
    _seed(payload["scene"])
    module = _load(payload["file"])
    scene_cls = voice.held(getattr(module, payload["scene"]))
    log = _PlayLog(max(1.0, float(payload["budget"])), True)
    log.install()
    _leave_still_scenes_unfinished()
    _pin(payload["video"])
    config.seed = scene_seed(payload["scene"])  # the module may have set its own
    tex = _recording_tex()
    latex_runs = _counting_latex_runs()
    with tempconfig({}):
        scene = scene_cls()
        scene.render()
    plays, rendered = list(log.plays), log.rendered
    if not plays:  # held as a clip, its own play not recorded: the probe shows no animation
        with tempconfig({}):
            scene = _with_trailing_wait(scene_cls, float(payload["still_s"]))()
            scene.render()
    Path(scene.renderer.file_writer.movie_file_path).replace(CHUNK_FILE)
    _write_poster(scene, final=rendered == len(plays))
    return {
        "animations": plays,
        "rendered": rendered,
        "tex": _shared_tex(tex),
        "manim": manim.__version__,
        "latex_runs": latex_runs[0],
        "beat_marks": voice.marks(),
        "beat_frames": voice.mark_frames(),
    }


def _leave_still_scenes_unfinished() -> None:
    """A scene that played nothing ends without output (Manim would refuse: no MP4 from no
    play); the scout then renders it as a still clip."""
    original = Manager.post_construct

    def post_construct(self: Manager[Any]) -> None:
        if self.num_plays:
            original(self)

    Manager.post_construct = post_construct  # type: ignore[method-assign]


# -- layout check: what is visible at the end of each animation ---------------------------------

MAX_LAYOUT_ISSUES = 20
EDGE_TOLERANCE = 0.05  # scene units; a stroke's half-width may graze the edge
OVERLAP_SHARE = 0.2  # of the smaller text's box
_TEXT_TYPES = (Text, MarkupText, Paragraph, SingleStringMathTex, DecimalNumber)


def _note_layout(scene: Scene, animation: int, issues: list[str]) -> None:
    if isinstance(scene, ThreeDScene) or len(issues) >= MAX_LAYOUT_ISSUES:
        return  # 3D projections are not checked
    visible = [m for m in scene.mobjects if _visible(m)]
    for issue in _off_frame(scene, visible) + _overlaps(visible):
        text = f"after animation {animation}: {issue}"
        if not any(i.endswith(issue) for i in issues):  # one report per problem
            issues.append(text)


def _bounds(mob: Mobject) -> tuple[float, float, float, float] | None:
    points = [m.points for m in mob.get_family() if len(m.points)]
    if not points:
        return None
    every = np.vstack(points)
    return (
        float(every[:, 0].min()),
        float(every[:, 1].min()),
        float(every[:, 0].max()),
        float(every[:, 1].max()),
    )


def _visible(mob: Mobject) -> bool:
    for m in mob.get_family():
        if not len(m.points):
            continue
        if not isinstance(m, VMobject):
            return True  # images and point clouds
        if m.get_fill_opacity() > 0.01 or m.get_stroke_opacity() > 0.01:
            return True
    return False


def _frame(scene: Scene) -> tuple[float, float, float, float]:
    camera = scene.renderer.camera
    frame = getattr(camera, "frame", None)
    if frame is not None:  # MovingCameraScene: the camera frame may have moved or zoomed
        cx, cy = (float(v) for v in frame.get_center()[:2])
        w, h = float(frame.width), float(frame.height)
    else:
        cx, cy, w, h = 0.0, 0.0, float(config.frame_width), float(config.frame_height)
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _describe_mob(mob: Mobject) -> str:
    text = (
        getattr(mob, "original_text", None)  # Text.text has its spaces removed
        or getattr(mob, "text", None)
        or getattr(mob, "tex_string", None)
    )
    name = type(mob).__name__
    return f"{name} {str(text)[:40]!r}" if text else name


def _off_frame(scene: Scene, mobs: list[Mobject]) -> list[str]:
    left, bottom, right, top = _frame(scene)
    issues = []
    for mob in mobs:
        box = _bounds(mob)
        if box is None or box[2] < left or box[0] > right or box[3] < bottom or box[1] > top:
            continue  # wholly outside: moved off on purpose, not cut off
        sides = [
            (box[0] < left - EDGE_TOLERANCE, f"left edge (x from {box[0]:.2f}, frame {left:.2f})"),
            (box[2] > right + EDGE_TOLERANCE, f"right edge (x to {box[2]:.2f}, frame {right:.2f})"),
            (box[1] < bottom - EDGE_TOLERANCE, f"bottom (y from {box[1]:.2f}, frame {bottom:.2f})"),
            (box[3] > top + EDGE_TOLERANCE, f"top (y to {box[3]:.2f}, frame {top:.2f})"),
        ]
        for crossed, where in sides:
            if crossed:
                issues.append(f"{_describe_mob(mob)} is cut off at the {where}")
    return issues


def _texts(mob: Mobject) -> list[Mobject]:
    """The outermost text-like mobjects in mob's family."""
    if isinstance(mob, _TEXT_TYPES):
        return [mob] if _visible(mob) else []
    return [t for sub in mob.submobjects for t in _texts(sub)]


def _overlaps(mobs: list[Mobject]) -> list[str]:
    texts = [(t, b) for m in mobs for t in _texts(m) if (b := _bounds(t)) is not None]
    issues = []
    for i, (a, box_a) in enumerate(texts):
        for other, box_b in texts[i + 1 :]:
            if _overlap_share(box_a, box_b) > OVERLAP_SHARE:
                issues.append(f"{_describe_mob(a)} overlaps {_describe_mob(other)}")
    return issues


def _overlap_share(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return width * height / max(smaller, 1e-6)


def _fast_forward_skipped_animations() -> None:
    """Skipped animations step through every frame's time and clock, drawing nothing.

    Manim's own skipping (`-n a,b`) advances a skipped animation in one step: a time-based
    updater (`lambda m, dt: ...`) sees one dt of run_time instead of one per frame, and the
    scene clock (`renderer.time`) jumps ahead before the animation instead of ticking with
    its frames. Either makes the first chunk after a boundary start from another state than
    a full render. Here skipped animations replay the full render's time steps and clock
    ticks, with rasterising and encoding still off, so chunks are frame-identical.
    """
    original_progression = Scene.get_time_progression
    original_internal = Scene.play_internal
    original_freeze = CairoRenderer.freeze_current_frame
    original_add_frame = CairoRenderer.add_frame
    state = {"stepwise": False, "tick": False}

    def progression(
        self: Scene,
        run_time: float,
        description: str,
        n_iterations: int | None = None,
        override_skip_animations: bool = False,
    ) -> Any:
        stepwise = override_skip_animations or state["stepwise"]
        return original_progression(self, run_time, description, n_iterations, stepwise)

    def play_internal(self: Scene, skip_rendering: bool = False) -> None:
        renderer = self.renderer
        if not renderer.skip_animations:
            original_internal(self, skip_rendering)
            return
        start = renderer.time - self.duration  # undo Manim's jump of the clock
        renderer.time = start
        # Only updaters can tell one big step from many small ones: step only for them.
        state["stepwise"] = state["tick"] = _has_updaters(self)
        try:
            original_internal(self, skip_rendering)
        finally:
            state["stepwise"] = state["tick"] = False
        frames = _frames_in(self.duration)
        renderer.time = start + frames / config.frame_rate  # the clock a full render ends with
        self.update_mobjects(0)  # what a full render does after each animation

    def freeze_current_frame(self: CairoRenderer, duration: float) -> None:
        if not self.skip_animations:
            original_freeze(self, duration)
            return
        self.time -= duration
        state["tick"] = True
        try:
            original_freeze(self, duration)
        finally:
            state["tick"] = False

    def add_frame(self: CairoRenderer, frame: Any, num_frames: int = 1) -> None:
        if not self.skip_animations:
            original_add_frame(self, frame, num_frames)
        elif state["tick"]:
            self.time += num_frames / self.camera.frame_rate

    Scene.get_time_progression = progression  # type: ignore[method-assign]
    Scene.play_internal = play_internal  # type: ignore[method-assign]
    CairoRenderer.freeze_current_frame = freeze_current_frame  # type: ignore[method-assign]
    CairoRenderer.add_frame = add_frame  # type: ignore[method-assign]


def _frames_in(duration: float) -> int:
    """The frames a full render draws for an animation of `duration`: one per time step."""
    return len(np.arange(0, duration, 1 / config.frame_rate))


def _has_updaters(scene: Scene) -> bool:
    if scene.updaters:
        return True
    return any(m.updaters for top in scene.mobjects for m in top.get_family())


def _with_trailing_wait(scene_cls: type[Scene], seconds: float) -> type[Scene]:
    """A still scene rendered as a clip: its final frame held for `seconds`."""
    construct = scene_cls.construct

    def held(self: Scene) -> None:
        construct(self)
        self.wait(seconds)

    return type(scene_cls.__name__, (scene_cls,), {"construct": held})


def render(payload: dict[str, Any]) -> dict[str, Any]:
    """Renders animations first..last of one scene into chunk.mp4."""
    voice.set_beats(payload.get("beats", ()), payload.get("hold_frames", 0))
    _seed(payload["scene"])
    module = _load(payload["file"])
    scene_cls = voice.held(getattr(module, payload["scene"]))
    first, last = int(payload["first"]), int(payload["last"])
    if first < 0:
        scene_cls, first, last = _with_trailing_wait(scene_cls, float(payload["still_s"])), 0, -1
    _pin(payload["video"], first, last)
    config.seed = scene_seed(payload["scene"])  # the module may have set its own
    _fast_forward_skipped_animations()
    _install_tex([str(n) for n in payload.get("tex", [])])
    latex_runs = _counting_latex_runs()
    plays = _counting_plays()
    with tempconfig({}):
        scene = scene_cls()
        scene.render()
        movie = Path(scene.renderer.file_writer.movie_file_path)
    movie.replace(CHUNK_FILE)
    # Manim ends the scene at the first play after `last`: none came, this chunk ends it
    _write_poster(scene, final=last < 0 or plays[0] <= last + 1)
    return {"manim": manim.__version__, "latex_runs": latex_runs[0]}


def _counting_plays() -> list[int]:
    """Counts the plays the scene's code starts, drawn or skipped."""
    count = [0]
    play = CairoRenderer.play

    def counting(self: CairoRenderer, *args: Any, **kwargs: Any) -> None:
        count[0] += 1
        play(self, *args, **kwargs)

    CairoRenderer.play = counting  # type: ignore[method-assign]
    return count


def _write_poster(scene: Scene, final: bool) -> None:
    """The scene's last frame as a JPEG, when this job drew it (an empty file otherwise): the
    host would otherwise start ffmpeg to decode it back out of the video."""
    if not final:
        Path(POSTER_FILE).write_bytes(b"")
        return
    frame = scene.renderer.get_frame()  # what the video's last frame was encoded from
    Image.fromarray(frame[:, :, :3]).save(POSTER_FILE, "JPEG", quality=POSTER_QUALITY)
