"""C8: a 1 TiB sparse file (no blocks, huge size)."""

import os

from manim import Scene


class ExhaustSparseFile(Scene):
    def construct(self):
        with open("sparse.bin", "wb") as f:
            f.truncate(1 << 40)
        raise RuntimeError(f"ESCAPED: made a {os.path.getsize('sparse.bin')} byte file")
