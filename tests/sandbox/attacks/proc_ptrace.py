"""D4: ptrace-attach to the supervising guest and to pid 1."""

import ctypes
import os

from manim import Scene

PTRACE_ATTACH = 16
SYS_PTRACE = {"x86_64": 101, "aarch64": 117}[os.uname().machine]


class ProcPtrace(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        for pid in (os.getppid(), 1):
            if libc.syscall(SYS_PTRACE, PTRACE_ATTACH, pid, 0, 0) == 0:
                raise RuntimeError(f"ESCAPED: attached to pid {pid}")
        raise OSError(ctypes.get_errno(), "ptrace(PTRACE_ATTACH)")
