"""Issue 21 item 2: job N makes the sandbox's cache (kept across its jobs) unusable: its dirs
read-only, a file no one may read, a link and a FIFO in it; job N+1 (this same scene) checks
that the cache is usable again. The test runs it twice in the same sandbox."""

import json
import os

from manim import Scene

CACHE = "/scratch/cache"
SUBDIRS = [os.path.join(CACHE, d) for d in ("tex", "texts")]


class CacheReadonly(Scene):
    def construct(self):
        dirs = [d for d in [CACHE, *SUBDIRS] if os.path.lexists(d)]
        unusable = [d for d in dirs if not os.access(d, os.W_OK | os.X_OK)]
        odd = [
            e.path
            for d in SUBDIRS
            if os.path.isdir(d)
            for e in os.scandir(d)
            if not e.is_file(follow_symlinks=False) or not os.access(e.path, os.R_OK)
        ]
        if unusable or odd:
            raise RuntimeError(
                f"ESCAPED: a previous job's poison is in the cache: {unusable} {odd}"
            )
        for d in SUBDIRS:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "0123456789abcdef.svg"), "w") as f:
                f.write("<svg/>")
            os.chmod(os.path.join(d, "0123456789abcdef.svg"), 0)
            os.symlink("/etc/passwd", os.path.join(d, "link.svg"))
            os.mkfifo(os.path.join(d, "fifo.svg"))
            os.chmod(d, 0o500)
        raise RuntimeError("REPORT " + json.dumps({"poisoned": SUBDIRS}))
