"""E5: the chunk is a FIFO (a collector that opens it blindly blocks forever)."""

import os
import pathlib

from manim import Circle, Create, Scene


def plant(movie, target):
    os.mkfifo(target)
    return pathlib.Path(target)


class OutputFifo(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = plant
