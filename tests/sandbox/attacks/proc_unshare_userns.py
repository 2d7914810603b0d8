"""A7/D7: a new user namespace (root inside it: mounts, netns, the kernel's userns surface)."""

import ctypes

from manim import Scene

CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000


class ProcUnshareUserns(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
            raise RuntimeError("ESCAPED: unshare(CLONE_NEWUSER | CLONE_NEWNS) worked")
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER | CLONE_NEWNS)")
