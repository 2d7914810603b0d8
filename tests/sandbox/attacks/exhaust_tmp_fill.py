"""C6: fill /tmp, in files small enough to pass the per-file size limit."""

from manim import Scene


class ExhaustTmpFill(Scene):
    def construct(self):
        i = 0
        while True:
            with open(f"/tmp/fill{i}", "wb") as f:
                f.write(b"\0" * (4 << 20))
            i += 1
