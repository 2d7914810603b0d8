from manim import *


class First(Scene):
    def construct(self):
        self.play(Create(Circle()))
        self.play(FadeOut(*self.mobjects))


class Broken(Scene):
    def construct(self):
        self.play(Create(Square()))
        raise ValueError("the square is not round")  # line 13


class Last(Scene):
    def construct(self):
        self.play(Write(Text("still here")))
        self.wait(0.5)
