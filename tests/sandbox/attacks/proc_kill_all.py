"""D2: kill(-1): every process this job may signal."""

import os
import signal
import time

from manim import Scene


class ProcKillAll(Scene):
    def construct(self):
        os.kill(-1, signal.SIGKILL)
        time.sleep(1)
        raise RuntimeError("kill(-1) left this job running")
