"""Scenes for the layout check: two with real problems, four laid out fine (near misses)."""

from manim import *


class Overlap(Scene):
    def construct(self):
        a = Text("Hello world")
        b = Text("Another line").shift(0.1 * DOWN)
        self.play(FadeIn(a), FadeIn(b))


class NextTo(Scene):
    def construct(self):
        a = Text("Label")
        b = MathTex(r"x^2 + y^2").next_to(a, RIGHT, buff=0.1)
        c = Text("Below").next_to(a, DOWN, buff=0.1)
        t = Title("A title")
        self.play(FadeIn(a), Write(b), FadeIn(c), FadeIn(t))


class Wide(Scene):
    def construct(self):
        t = Text("A very very long sentence that certainly does not fit the frame", font_size=48)
        self.play(Write(t))
        self.play(FadeOut(t))


class SlideOut(Scene):
    def construct(self):
        s = Square()
        self.play(Create(s))
        self.play(s.animate.shift(LEFT * 12))


class Zoomed(MovingCameraScene):
    def construct(self):
        t = Text("Big")
        self.play(FadeIn(t))
        self.play(self.camera.frame.animate.scale(0.2))


class Graph(Scene):
    def construct(self):
        ax = Axes(x_range=[-3, 3], y_range=[0, 9], x_length=8, y_length=5)
        labels = ax.get_axis_labels(x_label="x", y_label="f(x)")
        g = ax.plot(lambda x: x**2)
        lab = ax.get_graph_label(g, "x^2", x_val=2)
        self.play(Create(ax), Write(labels), Create(g), Write(lab))
