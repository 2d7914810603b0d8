"""Scenes exercising what could break frame identity across chunk boundaries."""

from manim import *


class TransformScene(Scene):
    def construct(self):
        circle, square, triangle = Circle(color=BLUE), Square(color=RED), Triangle(color=GREEN)
        self.play(Create(circle))
        self.play(Transform(circle, square))
        self.play(Transform(circle, triangle))
        self.play(circle.animate.shift(LEFT * 2).scale(0.5))


class UpdaterScene(Scene):
    def construct(self):
        tracker = ValueTracker(0)
        dot = always_redraw(lambda: Dot(RIGHT * tracker.get_value(), color=YELLOW))
        line = always_redraw(lambda: Line(ORIGIN, dot.get_center()))
        square = Square().add_updater(lambda m, dt: m.rotate(dt))
        self.add(dot, line, square)
        self.play(tracker.animate.set_value(3))
        self.play(tracker.animate.set_value(-2), run_time=1.5)
        self.wait(0.5)
        self.play(tracker.animate.set_value(0))


class MathTexScene(Scene):
    def construct(self):
        eq = MathTex(r"e^{i\pi} + 1 = 0")
        other = MathTex(r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}")
        self.play(Write(eq))
        self.play(TransformMatchingShapes(eq, other))
        self.play(other.animate.to_edge(UP))


class LaggedScene(Scene):
    def construct(self):
        dots = VGroup(*[Dot() for _ in range(6)]).arrange(RIGHT)
        self.play(LaggedStart(*[FadeIn(d, shift=UP) for d in dots], lag_ratio=0.3))
        self.play(LaggedStart(*[d.animate.set_color(RED) for d in dots], lag_ratio=0.2))
        self.play(dots.animate.arrange(DOWN))


class WaitsOnly(Scene):
    def construct(self):
        self.add(Text("hold"))
        self.wait(0.5)
        self.wait(0.5)


class StillScene(Scene):
    def construct(self):
        self.add(Square(color=ORANGE), Text("still").shift(DOWN * 2))


class StillSceneHeld(StillScene):
    """Reference for StillScene: the farm holds a still scene's frame for one second."""

    def construct(self):
        super().construct()
        self.wait(1)


class ClockScene(Scene):
    """An updater reading the scene clock, not dt."""

    def construct(self):
        dot = Dot().add_updater(lambda m: m.move_to(RIGHT * np.sin(self.renderer.time * 2)))
        self.add(dot)
        self.play(Create(Square()))
        self.wait(0.5)
        self.play(FadeIn(Circle()))
        self.play(Create(Triangle()))
