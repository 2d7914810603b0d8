"""C4: one huge allocation."""

from manim import Scene


class ExhaustMemoryBomb(Scene):
    def construct(self):
        hoard = bytearray(10**11)
        raise RuntimeError(f"ESCAPED: allocated {len(hoard)} bytes")
