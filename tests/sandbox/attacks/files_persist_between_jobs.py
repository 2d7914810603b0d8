"""A6: job N leaves files in /tmp, HOME and /dev/shm; job N+1 (this same scene) looks for them.
The test runs it twice in the same sandbox."""

import json
import os

from manim import Scene

PLACES = ["/tmp/planted", os.path.expanduser("~/.planted"), "/dev/shm/planted"]


class FilesPersistBetweenJobs(Scene):
    def construct(self):
        found = [p for p in PLACES if os.path.exists(p)]
        if found:
            raise RuntimeError(f"ESCAPED: a previous job's files survived: {found}")
        for path in PLACES:
            with open(path, "w") as f:
                f.write("planted")
        raise RuntimeError("REPORT " + json.dumps({"planted": PLACES}))
