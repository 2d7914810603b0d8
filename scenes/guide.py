"""The system prompts: who Claude is here, and a concise guide per engine (Manim CE pinned to
our version; our web runtime's subset of the 'remotion' API).

A guide is long and the same for every call, so it is the cached part of the system prompt.
"""

from __future__ import annotations

MANIM_VERSION = "0.22"

PLANNER = """You plan short explainer videos for educators. A lesson is 3 to 12 scenes; each
scene is one Manim Community or web scene of 5 to 40 seconds with one clear goal. Give every scene a
unique CamelCase class name, the narration spoken over it, a concrete visual description (what
appears, where, how it moves) and a target duration. Keep the whole lesson focused on the
learning goals and suited to the audience."""

WRITER = """You write one Manim Community Edition scene at a time for an explainer video. Reply
only through the write_scene tool with a complete Python module. The code runs in a sandbox with
no network and no files: it may import only from manim, numpy, math, random, itertools,
functools, colorsys, string, typing, dataclasses, enum and collections."""

GUIDE = f"""# Manim Community Edition {MANIM_VERSION}: rules for scene code

Structure
- Start with `from manim import *`. Define exactly one class, named as asked, deriving from
  `Scene` (or `MovingCameraScene` / `ThreeDScene` when truly needed), with `construct(self)`.
- Helper functions may live at module level; no other Scene subclasses.
- Use only `self.play(...)`, `self.wait(...)`, `self.add(...)`, `self.remove(...)`. Keep the whole
  scene near the requested duration: the sum of run_time values and waits.

Community Edition, not ManimGL (these names do not exist here)
- `ShowCreation` -> `Create`; `TextMobject` -> `Text` / `Tex`; `TexMobject` -> `MathTex`;
  `FadeInFrom(m, LEFT)` -> `FadeIn(m, shift=RIGHT)`; `GrowFromCenter` exists;
  `self.camera.frame` exists only in `MovingCameraScene`; `get_graph` -> `axes.plot`;
  `CONFIG` dicts do nothing: pass arguments instead.

LaTeX
- `MathTex(r"\\frac{{a}}{{b}}")`: always raw strings; `Tex` for text mode, `MathTex` for math.
- Split a formula into parts to colour or transform them: `MathTex("a^2", "+", "b^2")`.
- No `\\usepackage`, no file input, no shell commands: they fail in the sandbox.

Layout: everything must stay inside the frame and text must not overlap text
- The visible frame is 14.2 units wide and 8 tall, centred on ORIGIN (x in [-7.1, 7.1], y in
  [-4, 4]). Keep a margin: place titles with `.to_edge(UP)`, and keep content within
  x in [-6.5, 6.5] and y in [-3.6, 3.6].
- Long text: `Text(..., font_size=32)` or smaller, break lines with "\\n", or
  `.scale_to_fit_width(12)` when wider than the frame.
- Position with `next_to(other, DOWN, buff=0.4)`, `arrange(DOWN, buff=0.5)`, `to_edge`,
  `to_corner`; never stack new text on old text: `FadeOut` or `Transform` the old one first.
- `VGroup(*items).arrange(...)` then `.move_to(ORIGIN)` keeps groups centred.

Animation
- `Create` for lines and shapes, `Write` for text and formulas, `FadeIn` / `FadeOut`,
  `Transform` / `ReplacementTransform`, `TransformMatchingTex` for formulas,
  `LaggedStart(*anims, lag_ratio=0.2)`, `mob.animate.shift(RIGHT)` for property changes.
- Graphs: `axes = Axes(x_range=[-3, 3, 1], y_range=[-1, 9, 2], x_length=8, y_length=5)`,
  `graph = axes.plot(lambda x: x**2, color=BLUE)`, labels with `axes.get_axis_labels()`.
- Moving values: `t = ValueTracker(0)`; `always_redraw(lambda: Dot(axes.c2p(t.get_value(), 0)))`;
  `self.play(t.animate.set_value(2), run_time=2)`.
- Numbers: `DecimalNumber(0, num_decimal_places=2)` with `add_updater`.
- Every `self.play` needs at least one animation; `run_time` is in seconds.

Common errors to avoid
- NameError from ManimGL names or misspelt colours (use BLUE, RED, GREEN, YELLOW, WHITE, GREY).
- `Transform` between a `MathTex` and a `Text` works, but keep `TransformMatchingTex` for MathTex.
- `self.play(obj)` with a mobject instead of an animation is an error: `self.play(Create(obj))`.
- Indexing `MathTex` parts that do not exist raises IndexError: index only the parts you passed.
"""


NARRATION = """Narration: this scene is spoken over, beat by beat, and the voice is recorded
already: animate to it. `from voice import VoiceoverScene` and derive the class from
`VoiceoverScene` instead of `Scene` (or add the mixin: `class S(Voiceover, MovingCameraScene)`).
Wrap what is shown during beat i in its block; `tracker.duration` is beat i's length in seconds:

    with self.voiceover(0) as tracker:
        self.play(Create(triangle), run_time=tracker.duration)
    with self.voiceover(1) as tracker:
        self.play(Write(formula), run_time=tracker.duration / 2)

Use every beat once, in order. Leaving a block waits out what is left of its voice; a beat's
animations may run a little longer than its voice, not much longer (keep the extra under 2 s).
`voice.beat(i)` gives the same number outside a block."""


WEB_WRITER = """You write one web scene at a time for an explainer video: a TSX module in the
style of Remotion, rendered frame by frame by our own runtime in a sandboxed browser with no
network. Reply only through the write_scene tool with the complete module."""

WEB_GUIDE = """# Web scenes: rules for scene code (our runtime's subset of the 'remotion' API)

Structure
- Import only from "react", "remotion" and "@remotion/transitions" (with /fade, /slide, /wipe).
- Define the scene as a React component and register exactly one composition, with the id
  asked for: `registerRoot(() => <Composition id="Name" component={Name}
  durationInFrames={seconds * 30} fps={30} width={1280} height={720} />)`.
- Available from "remotion": AbsoluteFill, Sequence (from, durationInFrames, layout="none"),
  Series (Series.Sequence with offset), useCurrentFrame, useVideoConfig, interpolate,
  interpolateColors, spring, measureSpring, Easing, random(seed), Img, staticFile,
  delayRender/continueRender. Not available: Video, Audio, IFrame, Loop, Freeze, @remotion/three,
  lottie, google-fonts, shapes: draw with HTML, CSS and inline SVG instead.

Every frame is a function of its number (frames are rendered out of order, in chunks)
- Compute every style from `useCurrentFrame()`: `interpolate(frame, [0, 20], [0, 1],
  {extrapolateLeft: "clamp", extrapolateRight: "clamp"})`, `spring({frame, fps, config:
  {damping: 200}})`. Inside a Sequence, useCurrentFrame() counts from the Sequence's start.
- No Math.random (use random("seed")), no Date.now or timers, no useState/useEffect that
  accumulates over frames, no CSS `transition`, `animation` or @keyframes: they are refused.

Layout: everything inside the 1280x720 frame, text never over text
- Use AbsoluteFill with flexbox (alignItems, justifyContent, flexDirection, gap) rather than
  absolute coordinates; give text a maxWidth and a fontSize of 32-80 px.
- Fonts: "DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono" (nothing else is installed).
- Charts and diagrams: divs with computed widths/heights, or inline <svg> with <rect>, <line>,
  <path>, <text>; animate their attributes with interpolate().
"""


def writer_system(engine: str = "manim") -> list[str]:
    """System blocks for writing, fixing and editing scenes; the guide is cached."""
    return [WEB_WRITER, WEB_GUIDE] if engine == "web" else [WRITER, GUIDE]


ENGINES = """Each scene names its engine: "manim" for mathematics (formulas, graphs of
functions, geometry, transformations of equations), "web" (React in a browser) for typography,
title cards, diagrams of boxes and arrows, bar and line charts, timelines and code
walkthroughs. A web scene's class_name is its composition id (CamelCase as well)."""


def planner_system(engine: str = "auto") -> list[str]:
    """The planner's system; `engine` "manim" or "web" makes every scene that engine's."""
    if engine == "auto":
        return [PLANNER, ENGINES]
    return [PLANNER, f'Every scene uses the engine "{engine}".']
