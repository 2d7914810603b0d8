"""C12: wait on stdin (it must be /dev/null, not a pipe from the host)."""

import json
import sys

from manim import Scene


class ExhaustStdinBlock(Scene):
    def construct(self):
        data = sys.stdin.read()
        raise RuntimeError("REPORT " + json.dumps({"stdin": data[:200]}))
