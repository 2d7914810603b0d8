"""A1: read a host file outside the sandbox by its host path (a canary the test planted)."""

from manim import Scene

PARAMS = {}


class FilesHostCanary(Scene):
    def construct(self):
        with open(PARAMS.get("canary", "/root/canary.txt")) as f:
            raise RuntimeError(f"ESCAPED: read the host canary: {f.read()}")
