"""C9: exhaust the scratch filesystem's inodes with empty files."""

from manim import Scene


class ExhaustInodeFill(Scene):
    def construct(self):
        i = 0
        while True:
            open(f"f{i}", "w").close()
            i += 1
