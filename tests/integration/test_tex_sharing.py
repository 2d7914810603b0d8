"""A scene's TeX, compiled once by its probe, reaches its chunks on other workers.

Real bwrap sandboxes, real LaTeX: a probe in one sandbox returns the SVGs it compiled; a chunk
given them in a fresh sandbox runs no LaTeX, and its frames are those of a chunk that compiled
everything itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from renderers import ChunkSpec, ManimRenderer, Quality, SceneSource, frame_hashes
from sandbox import Sandbox, SandboxLimits, make_sandbox

pytestmark = pytest.mark.integration
RENDERER = ManimRenderer()


def formulas_scene() -> SceneSource:
    """Two formulas and a number, new to every sandbox (a nonce in the TeX preamble).

    A render's probe skips animations in one jump, so it sees the TeX built between them: a
    number that changes in the middle of an animation has those digits compiled by the chunk.
    """
    nonce = uuid.uuid4().hex
    code = f"""from manim import *

config.tex_template.add_to_preamble(r"% {nonce}")


class Formulas(Scene):
    def construct(self):
        a = MathTex(r"e^{{i\\pi}} + 1 = 0")
        self.play(Write(a))
        b = MathTex(r"\\int_0^1 x^2\\,dx = \\tfrac13").next_to(a, DOWN)
        self.play(FadeIn(b))
        n = DecimalNumber(3.14).to_edge(UP)
        self.play(FadeIn(n), run_time=0.5)
"""
    return SceneSource("formulas.py", code)


@pytest.fixture
def boxes() -> Iterator[list[Sandbox]]:
    made = [
        make_sandbox("bwrap", RENDERER.sandbox_spec(SandboxLimits(), f"tex-{i}")) for i in range(3)
    ]
    yield made
    for box in made:
        box.close()


def test_chunks_given_the_probes_tex_run_no_latex_and_draw_the_same_frames(
    boxes: list[Sandbox], tmp_path: Path
) -> None:
    prober, given, alone = boxes
    source = formulas_scene()
    probe = RENDERER.probe(prober, source, "Formulas")
    assert len(probe.animations) == 3
    assert len(probe.tex) >= 3  # two formulas and the counter's glyphs
    chunk = ChunkSpec("Formulas", 0, 1, 2, 25, Quality.LOW)

    with_tex, with_path = RENDERER.render_chunk(given, source, chunk, tmp_path / "a", probe.tex)
    by_itself, alone_path = RENDERER.render_chunk(alone, source, chunk, tmp_path / "b")

    assert with_tex.latex_runs == 0
    assert by_itself.latex_runs >= 3
    assert frame_hashes(with_path) == frame_hashes(alone_path)


def test_misnamed_or_foreign_tex_is_not_installed(boxes: list[Sandbox], tmp_path: Path) -> None:
    """Only Manim-named SVGs are passed on; anything else given is ignored, not written."""
    source = formulas_scene()
    chunk = ChunkSpec("Formulas", 0, 0, 0, 30, Quality.LOW)
    junk = (("../../escape.svg", "<svg/>"), ("notes.txt", "hello"))
    rendered, _ = RENDERER.render_chunk(boxes[0], source, chunk, tmp_path, junk)
    assert rendered.latex_runs >= 1  # nothing usable was given: it compiled its formula


COUNTER = SceneSource(
    "count.py",
    """from manim import *


class Count(Scene):
    def construct(self):
        t = ValueTracker(-1.5)
        n = DecimalNumber(-1.5)
        n.add_updater(lambda m: m.set_value(t.get_value()))
        self.add(n)
        self.play(t.animate.set_value(9.87), run_time=1)
""",
)


def test_a_prewarmed_sandbox_draws_numbers_without_latex(
    boxes: list[Sandbox], tmp_path: Path
) -> None:
    """A worker's sandbox compiles the glyphs of numbers when it starts; a fresh one compiles
    them in the middle of its first chunk that counts."""
    warm, cold, _ = boxes
    RENDERER.prewarm(warm)
    chunk = ChunkSpec("Count", 0, 0, 0, 15, Quality.LOW)
    warmed, warm_path = RENDERER.render_chunk(warm, COUNTER, chunk, tmp_path / "warm")
    unwarmed, cold_path = RENDERER.render_chunk(cold, COUNTER, chunk, tmp_path / "cold")
    assert warmed.latex_runs == 0
    assert unwarmed.latex_runs >= 10  # ten digits, a point and a minus sign
    assert frame_hashes(warm_path) == frame_hashes(cold_path)
