"""D8: a setuid-root binary (mount) to get root's powers."""

import subprocess

from manim import Scene


class ProcSetuidBinary(Scene):
    def construct(self):
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "none", "/tmp"], capture_output=True, text=True, check=True
        )
        raise RuntimeError(f"ESCAPED: setuid mount worked: {done.stdout}")
