"""A5: replace /etc/passwd (bound read-only into the sandbox)."""

from manim import Scene


class FilesWriteEtc(Scene):
    def construct(self):
        with open("/etc/passwd", "a") as f:
            f.write("evil::0:0::/:/bin/sh\n")
        raise RuntimeError("ESCAPED: appended to /etc/passwd")
