"""B1: a UDP datagram to a public resolver."""

import socket

from manim import Scene


class NetUdpEgress(Scene):
    def construct(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", ("8.8.8.8", 53))
        raise RuntimeError("ESCAPED: sent a UDP datagram to 8.8.8.8")
