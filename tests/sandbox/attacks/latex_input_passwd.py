r"""A11: \input{/etc/passwd} (paranoid mode refuses absolute paths outside the scratch dir)."""

from manim import MathTex, Scene


class LatexInputPasswd(Scene):
    def construct(self):
        MathTex(r"\input{/etc/passwd}")
        raise RuntimeError("ESCAPED: LaTeX read /etc/passwd")
