"""B4: the Redis server the test runs on the host's loopback (and the Docker bridge address)."""

import json
import socket

from manim import Scene

PARAMS = {}


def ping(host, port):
    try:
        with socket.create_connection((host, port), timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            return "ANSWERED " + conn.recv(64).decode(errors="replace")
    except OSError as e:
        return f"{type(e).__name__}: {e}"


class NetHostRedis(Scene):
    def construct(self):
        port = PARAMS.get("redis_port", 6379)
        tried = {f"{h}:{port}": ping(h, port) for h in PARAMS.get("redis_hosts", ["127.0.0.1"])}
        raise RuntimeError("REPORT " + json.dumps({"tried": tried}))
