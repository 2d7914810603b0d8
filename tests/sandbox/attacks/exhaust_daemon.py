"""C14: a double-forked daemon in its own session that outlives the job."""

import json
import os
import time

from manim import Scene


class ExhaustDaemon(Scene):
    def construct(self):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                while True:
                    time.sleep(1)
            os._exit(0)
        os.wait()
        raise RuntimeError("REPORT " + json.dumps({"daemon": "started"}))
