"""G6: chroot (needs CAP_SYS_CHROOT)."""

import os

from manim import Scene


class PyChroot(Scene):
    def construct(self):
        os.chroot("/tmp")
        raise RuntimeError("ESCAPED: chroot worked")
