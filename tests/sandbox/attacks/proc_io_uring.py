"""D10: io_uring (bypasses per-syscall filtering; a rich source of kernel bugs)."""

import ctypes
import os

from manim import Scene

SYS_IO_URING_SETUP = 425


class ProcIoUring(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        params = ctypes.create_string_buffer(120)
        fd = libc.syscall(SYS_IO_URING_SETUP, 8, params)
        if fd >= 0:
            os.close(fd)
            raise RuntimeError("ESCAPED: io_uring_setup worked")
        raise OSError(ctypes.get_errno(), "io_uring_setup")
