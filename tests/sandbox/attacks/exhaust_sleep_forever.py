"""C12: sleep forever (no CPU used: only a wall clock catches it)."""

import time

from manim import Scene


class ExhaustSleepForever(Scene):
    def construct(self):
        time.sleep(10**9)
