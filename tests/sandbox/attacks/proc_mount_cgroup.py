"""A7/D7: mount a cgroup v1 hierarchy (the CVE-2022-0492 release_agent route)."""

import ctypes
import os

from manim import Scene


class ProcMountCgroup(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        os.makedirs("/tmp/cg", exist_ok=True)
        if libc.mount(b"cgroup", b"/tmp/cg", b"cgroup", 0, b"rdma") == 0:
            raise RuntimeError(f"ESCAPED: mounted cgroup v1: {os.listdir('/tmp/cg')}")
        raise OSError(ctypes.get_errno(), "mount(cgroup)")
