"""F6: a TeX loop that never ends and never grows (only the wall clock stops it)."""

from manim import Scene, Tex


class LatexInfiniteLoop(Scene):
    def construct(self):
        Tex(r"\def\a{\a}\a")
        raise RuntimeError("ESCAPED: an endless TeX loop ended")
