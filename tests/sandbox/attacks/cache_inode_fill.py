"""Issue 21 item 2: job N fills the scratch space's inodes through the sandbox's cache (kept
across its jobs); job N+1 (this same scene) checks that the scratch space has room again. The
test runs it twice in the same sandbox."""

import errno
import json
import os

from manim import Scene

FILL = "/scratch/cache/texts/fill"


class CacheInodeFill(Scene):
    def construct(self):
        fs = os.statvfs("/scratch")
        free = fs.f_favail / fs.f_files
        if free < 0.5:
            raise RuntimeError(f"ESCAPED: a previous job's files fill the scratch: {free:.0%} free")
        os.makedirs(FILL, exist_ok=True)
        made, error = 0, 0
        try:
            while made < 10_000_000:
                open(os.path.join(FILL, str(made)), "w").close()
                made += 1
        except OSError as e:
            error = e.errno
        report = {"made": made, "enospc": error == errno.ENOSPC}
        raise RuntimeError("REPORT " + json.dumps(report))
