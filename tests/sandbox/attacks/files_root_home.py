"""A1: list the host's /root."""

import os

from manim import Scene


class FilesRootHome(Scene):
    def construct(self):
        names = os.listdir("/root")
        raise RuntimeError(f"ESCAPED: /root lists {names}")
