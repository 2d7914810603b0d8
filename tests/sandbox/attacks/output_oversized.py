"""C7/E6: a real chunk padded far beyond the file size limit."""

import os
import pathlib

from manim import Circle, Create, Scene

real_replace = pathlib.Path.replace


def pad(movie, target):
    with open(movie, "ab") as f:
        for _ in range(256):
            f.write(os.urandom(1 << 20))
    return real_replace(movie, target)


class OutputOversized(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = pad
