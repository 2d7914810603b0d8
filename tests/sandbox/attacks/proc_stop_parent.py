"""D1/H4: freeze the supervising guest with SIGSTOP, then run on: only the host's clock is left."""

import os
import signal

from manim import Scene


class ProcStopParent(Scene):
    def construct(self):
        os.kill(os.getppid(), signal.SIGSTOP)
        while True:
            pass
