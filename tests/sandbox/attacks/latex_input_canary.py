r"""A11: \input the host canary by its host path (it must not exist in here, and nothing of it may
come back)."""

from manim import Scene, Tex

PARAMS = {}


class LatexInputCanary(Scene):
    def construct(self):
        Tex(r"\input{" + PARAMS.get("canary", "/root/canary.txt") + "}")
        raise RuntimeError("ESCAPED: LaTeX read the host canary")
