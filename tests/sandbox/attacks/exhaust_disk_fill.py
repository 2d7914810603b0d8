"""C7: fill the job's own directory (the writable scratch)."""

from manim import Scene


class ExhaustDiskFill(Scene):
    def construct(self):
        i = 0
        while True:
            with open(f"fill{i}", "wb") as f:
                f.write(b"\0" * (4 << 20))
            i += 1
