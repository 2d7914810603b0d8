"""D6: the magic SysRq trigger."""

from manim import Scene


class ProcSysrq(Scene):
    def construct(self):
        with open("/proc/sysrq-trigger", "w") as f:
            f.write("h")
        raise RuntimeError("ESCAPED: wrote /proc/sysrq-trigger")
