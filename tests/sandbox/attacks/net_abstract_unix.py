"""B6: an abstract UNIX socket the host listens on (abstract names are per network namespace)."""

import socket

from manim import Scene

PARAMS = {}


class NetAbstractUnix(Scene):
    def construct(self):
        s = socket.socket(socket.AF_UNIX)
        s.connect("\0" + PARAMS.get("abstract", "scenefarm-attack"))
        raise RuntimeError("ESCAPED: connected to the host's abstract socket")
