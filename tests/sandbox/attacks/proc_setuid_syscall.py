"""D8: become root directly."""

import os

from manim import Scene


class ProcSetuidSyscall(Scene):
    def construct(self):
        os.setuid(0)
        raise RuntimeError("ESCAPED: setuid(0) worked")
