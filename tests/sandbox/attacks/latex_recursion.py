"""F6: TeX recursion that grows without bound."""

from manim import Scene, Tex


class LatexRecursion(Scene):
    def construct(self):
        Tex(r"\def\a{\a\a}\a")
        raise RuntimeError("ESCAPED: infinite recursion finished")
