"""C7: one file far bigger than the file size limit."""

from manim import Scene


class ExhaustBigFile(Scene):
    def construct(self):
        with open("big.bin", "wb") as f:
            for _ in range(1024):
                f.write(b"\0" * (1 << 20))
        raise RuntimeError("ESCAPED: wrote a 1 GiB file")
