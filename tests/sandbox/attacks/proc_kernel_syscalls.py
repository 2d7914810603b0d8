"""D11: kernel interfaces a renderer never needs: each must fail."""

import ctypes
import json
import os
import time

from manim import Scene

X86_64 = {
    "bpf": (321, 0, 0, 0),
    "perf_event_open": (298, 0, 0, -1, -1, 0),
    "userfaultfd": (323, 0),
    "keyctl": (250, 0, -3, 0),
    "add_key": (248, b"user", b"k", b"v", 1, -3),
    "kexec_load": (246, 0, 0, 0, 0),
    "init_module": (175, 0, 0, b""),
    # to the current time: were it allowed, the host's clock would barely move
    "clock_settime": (227, 0, ctypes.byref((ctypes.c_long * 2)(int(time.time()), 0))),
    "open_by_handle_at": (304, -100, 0, 0),
    "setns": (308, 0, 0),
    "pivot_root": (155, b"/tmp", b"/tmp"),
}


class ProcKernelSyscalls(Scene):
    def construct(self):
        if os.uname().machine != "x86_64":
            raise OSError(1, "this probe knows x86_64 syscall numbers only")
        libc = ctypes.CDLL(None, use_errno=True)
        results = {}
        for name, (nr, *args) in X86_64.items():
            ret = libc.syscall(nr, *args)
            results[name] = [ret, ctypes.get_errno()]
        raise RuntimeError("REPORT " + json.dumps({"syscalls": results}))
