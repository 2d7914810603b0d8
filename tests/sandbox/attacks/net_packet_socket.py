"""B5: an AF_PACKET socket (sniff or forge frames on an interface)."""

import socket

from manim import Scene


class NetPacketSocket(Scene):
    def construct(self):
        socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        raise RuntimeError("ESCAPED: opened a packet socket")
