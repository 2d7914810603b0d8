"""G7: drop an executable in /tmp and run it."""

import json
import os
import subprocess

from manim import Scene


class PyExecFromTmp(Scene):
    def construct(self):
        with open("/tmp/dropped", "w") as f:
            f.write("#!/bin/sh\nid -u\n")
        os.chmod("/tmp/dropped", 0o755)
        out = subprocess.run(["/tmp/dropped"], capture_output=True, text=True, check=True).stdout
        raise RuntimeError("REPORT " + json.dumps({"uid": int(out)}))
