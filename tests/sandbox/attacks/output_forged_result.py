"""E10: write a success value straight into the result pipe and exit 0, with no video at all."""

import os

from manim import Scene


class OutputForgedResult(Scene):
    def construct(self):
        for fd in range(3, 64):
            try:
                os.write(fd, b'{"ok": {"manim": "forged"}}')
            except OSError:
                continue
        os._exit(0)
