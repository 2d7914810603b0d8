"""A2: read the whole environment; the host checks no secret or secret-like name is in it."""

import json
import os

from manim import Scene


class FilesEnvVars(Scene):
    def construct(self):
        env = dict(os.environ)
        print(env)
        raise RuntimeError("REPORT " + json.dumps({"env": env}))
