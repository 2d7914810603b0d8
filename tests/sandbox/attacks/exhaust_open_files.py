"""C16: open files until the descriptor limit."""

import os

from manim import Scene


class ExhaustOpenFiles(Scene):
    def construct(self):
        fds = []
        while True:
            fds.append(os.open("/dev/null", os.O_RDONLY))
