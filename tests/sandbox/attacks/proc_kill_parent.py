"""D1: kill the process that supervises this job (the warm guest)."""

import os
import signal
import time

from manim import Scene


class ProcKillParent(Scene):
    def construct(self):
        os.kill(os.getppid(), signal.SIGKILL)
        time.sleep(1)
        raise RuntimeError(f"parent {os.getppid()} survived SIGKILL")
