"""A1: read /etc/shadow."""

from manim import Scene


class FilesEtcShadow(Scene):
    def construct(self):
        with open("/etc/shadow") as f:
            raise RuntimeError(f"ESCAPED: /etc/shadow: {f.read()[:200]}")
