r"""A12: \write18 (shell escape) to run commands from a LaTeX expression."""

import glob
import json
import os
import random

from manim import Scene, Tex, config

MARK = "/scratch/cache/sf-write18"


class LatexWrite18(Scene):
    def construct(self):
        config.no_latex_cleanup = True  # keep the .log, where TeX wrote what it saw
        command = f"touch {MARK}; id > {MARK}-id"
        Tex(r"\immediate\write18{" + command + r"}\def\sfnonce{" + str(random.random()) + "}x")
        logged = []
        for log in glob.glob(config.get_dir("tex_dir").as_posix() + "/**/*.log", recursive=True):
            with open(log, errors="replace") as lines:
                logged += [line.strip() for line in lines if "runsystem" in line]
        created = [p for p in (MARK, MARK + "-id") if os.path.exists(p)]
        raise RuntimeError("REPORT " + json.dumps({"created": created, "log": logged[-3:]}))
