"""C5: fill /dev/shm (in files under the per-file size limit, so only its size cap stops it)."""

from manim import Scene


class ExhaustDevShm(Scene):
    def construct(self):
        i = 0
        while True:
            with open(f"/dev/shm/fill{i}", "wb") as f:
                f.write(b"\0" * (4 << 20))
            i += 1
