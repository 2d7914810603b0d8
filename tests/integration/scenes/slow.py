"""Chunks long enough (a few seconds each) to kill a worker in the middle of one."""

from manim import *


class SlowA(Scene):
    def construct(self):
        for i in range(4):
            squares = VGroup(*[Square(0.3).shift(RIGHT * (j % 8 - 4) + UP * (j // 8 - 2)) for j in range(40)])
            self.play(LaggedStart(*[Rotate(s, angle=PI) for s in squares]), run_time=3)
            self.remove(squares)


class SlowB(Scene):
    def construct(self):
        for i in range(4):
            circles = VGroup(*[Circle(0.2).shift(LEFT * (j % 8 - 4) + DOWN * (j // 8 - 2)) for j in range(40)])
            self.play(LaggedStart(*[GrowFromCenter(c) for c in circles]), run_time=3)
            self.remove(circles)
