"""G6: lift the limits from inside."""

import resource

from manim import Scene


class PySetrlimit(Scene):
    def construct(self):
        for limit in (resource.RLIMIT_AS, resource.RLIMIT_NPROC, resource.RLIMIT_CPU):
            resource.setrlimit(limit, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        raise RuntimeError("ESCAPED: raised the hard limits")
