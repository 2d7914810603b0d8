"""Scenes enough to keep two workers busy with scouts (see test_scouts.py).

Rendered as Sweep, Formula, Morph, Still, Broken, the lengths guessed from the source are 8, 1,
1, (none: their mean, 2.75) and 1 s: 206 frames at 15 fps. Over 2 workers' 4 chunk slots the
target is 52 frames, so each scout draws 77 (1.5 targets): Sweep's scout draws its first six
animations (90 frames), and its last two become another chunk.
"""

from manim import *


class Sweep(Scene):
    def construct(self):
        tracker = ValueTracker(-3)
        dot = always_redraw(lambda: Dot(RIGHT * tracker.get_value(), color=YELLOW))
        label = (
            DecimalNumber(0).to_corner(UL).add_updater(lambda m: m.set_value(tracker.get_value()))
        )
        square = Square().add_updater(lambda m, dt: m.rotate(dt))
        self.add(dot, label, square)
        for target in range(-2, 3):
            self.play(tracker.animate.set_value(target))
        self.play(tracker.animate.set_value(0))
        self.wait()
        self.play(FadeOut(square))


class Formula(Scene):
    def construct(self):
        self.play(Write(MathTex(r"\int_0^1 x^2\,dx = \frac{1}{3}")))


class Morph(Scene):
    def construct(self):
        circle = Circle(color=BLUE)
        self.add(circle)
        self.play(Transform(circle, Square(color=RED)))


class Still(Scene):
    def construct(self):
        self.add(Triangle(color=GREEN), Text("still").shift(DOWN * 2))


class Broken(Scene):
    def construct(self):
        self.play(Create(Circle()))
        raise ValueError("scouted scenes fail like any other")


class StillHeld(Still):
    """Reference for Still: the farm holds a still scene's frame for one second."""

    def construct(self):
        super().construct()
        self.wait(1)
