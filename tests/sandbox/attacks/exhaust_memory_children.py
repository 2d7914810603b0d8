"""C3: several processes, each under the per-process cap, together far above the sandbox's."""

import os
import time

from manim import Scene

CHILDREN = 4
EACH_MB = 500
HELD = []


def hoard():
    try:
        HELD.append(b"\1" * (EACH_MB << 20))  # written by memset: every page resident
        time.sleep(1.5)  # hold it while the others allocate theirs
        os._exit(0)
    except BaseException:
        os._exit(1)


class ExhaustMemoryChildren(Scene):
    def construct(self):
        pids = []
        for _ in range(CHILDREN):
            pid = os.fork()
            if pid == 0:
                hoard()
            pids.append(pid)
        codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        if all(code == 0 for code in codes):
            raise RuntimeError(f"ESCAPED: {CHILDREN * EACH_MB} MB resident at once")
        raise MemoryError(f"children ended with {codes}")
