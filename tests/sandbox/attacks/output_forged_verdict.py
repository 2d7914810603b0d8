"""E10: speak the host's protocol: write a forged "ok" reply for this job to the guest's stdout,
reached through /proc (pid 1 and the parent), then fail for real."""

import json
import os

from manim import Scene


class OutputForgedVerdict(Scene):
    def construct(self):
        job_id = os.path.basename(os.getcwd())
        forged = {"id": job_id, "exit_code": 0, "value": json.dumps({"ok": "FORGED"})}
        for pid in (1, os.getppid()):
            fd = os.open(f"/proc/{pid}/fd/1", os.O_WRONLY)
            os.write(fd, json.dumps(forged).encode() + b"\n")
        raise RuntimeError("the real outcome: this job failed")
