"""Chunks long enough (seconds each) to kill a worker in the middle of one."""

from manim import *


def grid(shape, n=160):
    return VGroup(
        *[
            shape().scale(0.12).shift(RIGHT * (j % 16 - 8) * 0.8 + UP * (j // 16 - 5) * 0.7)
            for j in range(n)
        ]
    )


class SlowA(Scene):
    def construct(self):
        for _ in range(3):
            squares = grid(Square)
            self.play(LaggedStart(*[Rotate(s, angle=PI) for s in squares]), run_time=6)
            self.remove(squares)


class SlowB(Scene):
    def construct(self):
        for _ in range(3):
            stars = grid(Star)
            self.play(LaggedStart(*[GrowFromCenter(c) for c in stars]), run_time=6)
            self.remove(stars)
