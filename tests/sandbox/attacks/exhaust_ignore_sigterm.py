"""C13: ignore SIGTERM (and the other catchable signals), then sleep."""

import signal
import time

from manim import Scene


class ExhaustIgnoreSigterm(Scene):
    def construct(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(0.1)
