"""G1: dereference NULL with ctypes."""

import ctypes

from manim import Scene


class PyCtypesSegfault(Scene):
    def construct(self):
        ctypes.string_at(0)
