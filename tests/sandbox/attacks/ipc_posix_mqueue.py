"""Issue 21 item 3: a POSIX message queue outlives its job too, and cannot be listed to be
removed without mounting mqueue: mq_open must be refused."""

import ctypes

from manim import Scene

O_CREAT, O_RDWR = 0o100, 0o2


class IpcPosixMqueue(Scene):
    def construct(self):
        librt = ctypes.CDLL("librt.so.1", use_errno=True)
        queue = librt.mq_open(b"/scenefarm-planted", O_CREAT | O_RDWR, 0o600, None)
        if queue >= 0:
            raise RuntimeError("ESCAPED: a POSIX message queue was created")
        raise OSError(ctypes.get_errno(), "mq_open refused")
