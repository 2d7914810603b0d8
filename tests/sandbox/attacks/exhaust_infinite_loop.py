"""C11: spin forever."""

from manim import Scene


class ExhaustInfiniteLoop(Scene):
    def construct(self):
        while True:
            pass
