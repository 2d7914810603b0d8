"""C2: start threads until something gives."""

import threading
import time

from manim import Scene


class ExhaustThreadBomb(Scene):
    def construct(self):
        while True:
            threading.Thread(target=time.sleep, args=(3600,), daemon=True).start()
