"""Write outside this job's own directory: the scratch root, the jobs dir, up with '..'."""

import os

from manim import Scene


class FilesWriteScratchRoot(Scene):
    def construct(self):
        for path in ("../planted", "/scratch/planted", "/scratch/jobs/planted"):
            with open(path, "w") as f:
                f.write("x")
            raise RuntimeError(f"ESCAPED: wrote {os.path.abspath(path)}")
