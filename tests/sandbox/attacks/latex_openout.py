r"""A11: \openout to a path outside the job's directory (paranoid mode refuses the write)."""

from manim import Scene, Tex


class LatexOpenout(Scene):
    def construct(self):
        Tex(
            r"\newwrite\sfout\immediate\openout\sfout=/tmp/sf-openout.tex"
            r"\immediate\write\sfout{written}\immediate\closeout\sfout x"
        )
        with open("/tmp/sf-openout.tex") as f:
            raise RuntimeError(f"ESCAPED: LaTeX wrote outside its dir: {f.read()}")
