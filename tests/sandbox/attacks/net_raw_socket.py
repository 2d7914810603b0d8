"""B5: a raw ICMP socket (needs CAP_NET_RAW)."""

import socket

from manim import Scene


class NetRawSocket(Scene):
    def construct(self):
        socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        raise RuntimeError("ESCAPED: opened a raw socket")
