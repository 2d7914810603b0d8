"""C18/C19: flood stdout and stderr together with escapes, NULs and invalid UTF-8."""

import os

from manim import Scene

NASTY = b"\x1b[31mred\x1b]0;title\x07\x00nul\xff\xfe\xed\xa0\x80 \x1b[2J" * 50


class ExhaustMixedFlood(Scene):
    def construct(self):
        while True:
            os.write(1, NASTY)
            os.write(2, NASTY)
