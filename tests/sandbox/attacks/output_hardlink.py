"""E6: the chunk is a hard link (amplification, or a link to a file the host trusts)."""

import os
import pathlib

from manim import Circle, Create, Scene


def plant(movie, target):
    os.link(movie, target)
    return pathlib.Path(target)


class OutputHardlink(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = plant
