"""C9: exhaust /tmp's inodes with empty files."""

from manim import Scene


class ExhaustTmpInodes(Scene):
    def construct(self):
        i = 0
        while True:
            open(f"/tmp/f{i}", "w").close()
            i += 1
