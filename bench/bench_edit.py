"""Editing one scene of an 8-scene lesson against re-rendering the whole lesson.

DESIGN.md: the new lesson video after editing one scene of 8 must come >= 5x faster than a full
re-render. Both are measured as the user sees them (the command's wall time), in one run, on
warm workers: the full re-render is `scenefarm render --no-cache`; an edit changes one scene's
code (a new colour each run, so it always misses the cache) and renders with the cache on. Also
prints the unchanged resubmit (target < 1 s). Never asserts a timing.

    .venv/bin/python bench/bench_edit.py [--workers N] [--runs 3] [--quality l]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench_render import (
    QUALITIES,
    await_render_server,
    farm_env,
    markdown,
    med,
    ratio,
    say,
    stop_watchdog,
    timed,
    tool,
)

SCENES = 8
EDITED = 4  # which scene an edit changes (1-based)
COLOURS = ("RED", "GREEN", "YELLOW", "PURPLE", "ORANGE", "TEAL", "PINK", "GOLD", "MAROON")


def scene_code(index: int, colour: str) -> str:
    """One scene of about 3 s: a title, a shape, a transform and a move (no LaTeX)."""
    return f"""
class Scene{index}(Scene):
    def construct(self):
        title = Text("Scene {index}", font_size=40).to_edge(UP)
        shape = Circle(radius=1.2, color={colour})
        self.play(Write(title), Create(shape), run_time=1)
        self.play(Transform(shape, Square(side_length=2, color={colour})), run_time=1)
        self.play(shape.animate.shift(RIGHT * 2).rotate(0.5), run_time=1)
"""


def lesson(edit_colour: str) -> str:
    scenes = [scene_code(i, edit_colour if i == EDITED else "BLUE") for i in range(1, SCENES + 1)]
    return "from manim import *\n" + "".join(scenes)


def render(
    file: Path, out: Path, env: dict[str, str], opts: argparse.Namespace, cache: bool
) -> float:
    argv = [tool("scenefarm"), "render", str(file), "-o", str(out), "-q", opts.quality]
    argv += ["--workers", str(opts.workers)] + ([] if cache else ["--no-cache"])
    return timed(argv, env)


def measure(work: Path, env: dict[str, str], opts: argparse.Namespace) -> dict[str, list[float]]:
    file, out = work / "lesson8.py", work / "lesson8.mp4"
    file.write_text(lesson("BLUE"))
    say("warm-up (starts the local Ray cluster and warm workers)")
    render(file, out, env, opts, cache=True)
    await_render_server(env)
    results: dict[str, list[float]] = {"full": [], "edit": [], "resubmit": []}
    for run in range(opts.runs):
        say(f"run {run + 1}/{opts.runs}: full re-render, edit of scene {EDITED}, resubmit")
        file.write_text(lesson("BLUE"))
        results["full"].append(render(file, out, env, opts, cache=False))
        file.write_text(lesson(COLOURS[run % len(COLOURS)]))
        results["edit"].append(render(file, out, env, opts, cache=True))
        results["resubmit"].append(render(file, out, env, opts, cache=True))
    return results


def table(results: dict[str, list[float]], opts: argparse.Namespace) -> str:
    full, edit, resubmit = (med(results[k]) for k in ("full", "edit", "resubmit"))
    return markdown(
        [
            ("scenes", str(SCENES), f"~3 s each; scene {EDITED} is edited"),
            ("workers / cores", f"{opts.workers} / {os.cpu_count()}", "`--workers` / cpu_count"),
            ("runs", str(opts.runs), "medians below"),
            ("full re-render wall", f"{full:.2f} s", "`scenefarm render --no-cache`, warm"),
            ("edit wall", f"{edit:.2f} s", "one scene changed, cache on"),
            ("full / edit", ratio(full, edit), "target >= 5.00x (DESIGN.md)"),
            ("unchanged resubmit wall", f"{resubmit:.2f} s", "target < 1.00 s (DESIGN.md)"),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quality", choices=QUALITIES, default="l")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scenefarm-bench-edit-") as tmp:
        work = Path(tmp)
        env = farm_env(work / "data")
        try:
            results = measure(work, env, opts)
        finally:
            subprocess.run([tool("scenefarm"), "down"], env=env, capture_output=True, check=False)
            stop_watchdog(str(work / "data"))
    print(table(results, opts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
