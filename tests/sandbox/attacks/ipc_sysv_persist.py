"""Issue 21 item 3: job N leaves a SysV shared memory segment (with data in it), a message
queue (with a message) and a semaphore set under fixed keys; job N+1 (this same scene) looks
for them. The test runs it twice in the same sandbox."""

import ctypes
import json

from manim import Scene

KEY = 0x5CE1F00D
IPC_CREAT, IPC_EXCL = 0o1000, 0o2000
SECRET = b"ESCAPED: the previous job's shared memory"


class IpcSysvPersist(Scene):
    def construct(self):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.shmat.restype = ctypes.c_void_p
        found = {
            "shm": libc.shmget(KEY, 0, 0),
            "msg": libc.msgget(KEY, 0),
            "sem": libc.semget(KEY, 0, 0),
        }
        left = {k: v for k, v in found.items() if v >= 0}
        if left:
            shm = left.get("shm")
            data = ctypes.string_at(libc.shmat(shm, None, 0), len(SECRET)) if shm else b""
            raise RuntimeError(f"ESCAPED: a previous job's IPC objects survived: {left} {data!r}")
        shm = libc.shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0o666)
        address = libc.shmat(shm, None, 0)
        ctypes.memmove(address, SECRET, len(SECRET))
        libc.shmdt(ctypes.c_void_p(address))
        queue = libc.msgget(KEY, IPC_CREAT | 0o666)
        message = ctypes.create_string_buffer(ctypes.sizeof(ctypes.c_long) + 16)
        ctypes.c_long.from_buffer(message).value = 1
        sent = libc.msgsnd(queue, message, 16, 0)
        sem = libc.semget(KEY, 1, IPC_CREAT | 0o666)
        planted = {"shm": shm, "msg": queue, "sent": sent, "sem": sem}
        raise RuntimeError("REPORT " + json.dumps({"planted": planted}))
