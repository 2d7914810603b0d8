"""B1: a TCP connection to the internet."""

import socket

from manim import Scene


class NetTcpEgress(Scene):
    def construct(self):
        conn = socket.create_connection(("1.1.1.1", 443), timeout=3)
        raise RuntimeError(f"ESCAPED: connected to {conn.getpeername()}")
