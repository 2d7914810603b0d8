"""C17: flood stdout."""

from manim import Scene


class ExhaustStdoutFlood(Scene):
    def construct(self):
        while True:
            print("abcdefghij" * 100)
