"""Scenes that draw unseeded random numbers: Python's random, NumPy's global generator and a
networkx layout (which draws from both). Rendered in chunks on several workers they must
continue across chunk boundaries exactly as one range does."""

import random

import networkx as nx
import numpy as np
from manim import BLUE, RIGHT, UP, Create, Dot, FadeIn, Line, Scene, VGroup

JITTER = random.random()  # module level: runs before the scene starts, in every chunk


class RandomDots(Scene):
    def construct(self):
        for _ in range(4):
            dots = VGroup(
                *[
                    Dot(np.random.uniform(-6, 6) * RIGHT + random.uniform(-3, 3) * UP)
                    for _ in range(6)
                ]
            )
            self.play(FadeIn(dots.shift(JITTER * UP)), run_time=0.5)


class RandomGraph(Scene):
    def construct(self):
        graph = nx.cycle_graph(6)
        for _ in range(3):
            spots = nx.spring_layout(graph)  # seeded from the global generators when unseeded
            edges = VGroup(
                *[Line([*spots[a] * 3, 0], [*spots[b] * 3, 0], color=BLUE) for a, b in graph.edges]
            )
            self.play(Create(edges), run_time=0.5)
