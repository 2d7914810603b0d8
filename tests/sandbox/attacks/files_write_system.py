"""A5: write into the system: /usr (a .pth file would run in every later Python)."""

from manim import Scene


class FilesWriteSystem(Scene):
    def construct(self):
        with open("/usr/lib/python3/dist-packages/zz_evil.pth", "w") as f:
            f.write("import os; os.system('id > /tmp/pwned')\n")
        raise RuntimeError("ESCAPED: wrote a .pth file into /usr")
