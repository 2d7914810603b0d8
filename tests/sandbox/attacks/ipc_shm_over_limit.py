"""Issue 21 item 3: SysV shared memory beyond the job's memory cap, made and detached so no
process maps it (RLIMIT_AS never sees it), then waiting for the next job to pay for it."""

import ctypes
import time

from manim import Scene

IPC_PRIVATE, IPC_CREAT = 0, 0o1000
SEGMENT = 384 << 20  # four of them: 1.5 GiB against the suite's 1 GiB cap


class IpcShmOverLimit(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        made = []
        for _ in range(4):
            shm = libc.shmget(IPC_PRIVATE, ctypes.c_size_t(SEGMENT), IPC_CREAT | 0o600)
            if shm < 0:
                raise OSError(ctypes.get_errno(), "shmget refused")
            address = libc.shmat(shm, None, 0)
            ctypes.memset(address, 1, 1 << 20)  # some of it really in memory
            libc.shmdt(ctypes.c_void_p(address))
            made.append(shm)
        time.sleep(30)
        raise RuntimeError(f"ESCAPED: {len(made)} segments of {SEGMENT} bytes kept")
