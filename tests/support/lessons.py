"""Scripted lessons for tests: what Claude's tools return, with tiny scenes that render fast."""

from __future__ import annotations

from typing import Any

CIRCLE = "        self.play(Create(Circle(color=BLUE)), run_time=0.5)\n"
SQUARE = (
    "        sq = Square()\n        self.play(FadeIn(sq), run_time=0.5)\n"
    "        self.play(sq.animate.shift(RIGHT), run_time=0.5)\n"
)
DOT = "        self.play(GrowFromCenter(Dot()), run_time=0.5)\n        self.wait(0.5)\n"
STAR = "        self.play(FadeIn(Star(color=YELLOW)), run_time=0.5)\n"


def plan_input(names: list[str], title: str = "Shapes") -> dict[str, Any]:
    """A `plan_lesson` tool input planning one short scene per class name."""
    return {
        "title": title,
        "audience": "children",
        "learning_goals": ["name basic shapes"],
        "scenes": [
            {
                "class_name": n,
                "goal": f"see {n}",
                "narration": "Look at this shape.",
                "visual": "a shape appears",
                "duration_s": 3,
            }
            for n in names
        ],
    }


def code_scene(name: str, body: str, nonce: str = "") -> dict[str, str]:
    """One scene as the API takes it; a nonce makes its chunks new to the cache."""
    mark = f"        nonce = {nonce!r}\n" if nonce else ""
    return {
        "code": f"from manim import *\n\n\nclass {name}(Scene):\n    def construct(self):\n"
        f"{mark}{body}"
    }
