"""D5: read the supervising guest's memory with process_vm_readv."""

import ctypes
import os

from manim import Scene


class Iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


class ProcVmReadv(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        buf = ctypes.create_string_buffer(64)
        local = Iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
        remote = Iovec(0x400000, 64)
        got = libc.process_vm_readv(
            os.getppid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0
        )
        if got > 0:
            raise RuntimeError(f"ESCAPED: read the guest's memory: {buf.raw!r}")
        raise OSError(ctypes.get_errno(), "process_vm_readv")
