"""C4: memory taken 16 MB at a time, each page touched."""

from manim import Scene


class ExhaustMemoryGradual(Scene):
    def construct(self):
        hoard = []
        while True:
            hoard.append(b"x" * (16 << 20))
