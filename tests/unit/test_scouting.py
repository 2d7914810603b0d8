"""Scouting: lengths guessed from source, the scouts' budget, and plans made around what a
scout drew (renderers.estimate, renderers.chunking, cluster.farm.planner). No cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.farm.cache import ChunkCache
from cluster.farm.planner import ScenePlanner
from renderers import (
    AnimationInfo,
    ChunkPolicy,
    ChunkSpec,
    Quality,
    SceneProbe,
    plan_scouted,
    scene_seconds,
    scout_budget,
)

ROOT = Path(__file__).resolve().parents[2]
FPS = 15
POLICY = ChunkPolicy(workers=2)

SOURCE = """
from manim import *

class Base(Scene):
    def intro(self):
        self.play(FadeIn(Dot()), run_time=2)
        self.wait(0.5)

class Loops(Base):
    def construct(self):
        self.intro()
        for _ in range(3):
            self.play(Create(Circle()))
        for x in [1, 2]:
            self.wait(x)
        for m in self.mobjects:
            self.play(FadeOut(m), run_time=0.5)
        if self.camera:
            self.wait(4)
        else:
            self.wait(1)
        self.play(Write(Text("t")), run_time=speed)

class Backwards(Scene):
    def construct(self):
        for i in range(3, -3, -2):
            self.wait(duration=0.25)

class Still(Scene):
    def construct(self):
        self.add(Square())
"""


def test_guessed_lengths_follow_calls_loops_branches_and_methods() -> None:
    guessed = scene_seconds(SOURCE, ["Loops", "Backwards", "Still", "Missing"])
    # intro 2.5 + 3 creates + 2 literal-list waits (1 s each: not literals) + 1 unknown loop
    # of 0.5 + the longer branch (4) + a play of unknown run time (1)
    assert guessed["Loops"] == pytest.approx(2.5 + 3 + 2 + 0.5 + 4 + 1)
    assert guessed["Backwards"] == pytest.approx(3 * 0.25)  # range(3, -3, -2): 3 steps
    assert guessed["Still"] is None and guessed["Missing"] is None


def test_guessed_lengths_of_the_sample_lesson() -> None:
    code = (ROOT / "examples" / "lesson.py").read_text()
    names = ["Title", "DifferenceQuotient", "TangentLine", "Summary"]
    assert scene_seconds(code, names) == {
        "Title": 3.5,
        "DifferenceQuotient": 5.0,
        "TangentLine": 6.0,
        "Summary": 2.0,
    }


def test_code_that_does_not_parse_has_no_guess() -> None:
    assert scene_seconds("class A(Scene:\n", ["A"]) == {"A": None}


def test_budget_is_one_and_a_half_chunk_targets() -> None:
    # 240 frames over 2 workers x 2 chunks: target 60, so a scene under 90 frames is drawn whole
    assert scout_budget(240, Quality.LOW, POLICY) == 90


def _planner(scenes: list[str], policy: ChunkPolicy = POLICY) -> ScenePlanner:
    return ScenePlanner(Quality.LOW, policy, scenes, None, None)


def test_scouts_only_with_a_scene_for_every_chunk_slot() -> None:
    four = {"A": 4.0, "B": 4.0, "C": 4.0, "D": 4.0}  # 240 frames
    assert _planner(list(four)).scout_budget(four) == 90
    three = {"A": 4.0, "B": 4.0, "C": 4.0}
    assert _planner(list(three)).scout_budget(three) is None  # too few: probes split them
    fixed = ChunkPolicy(workers=2, target_frames=10)
    assert _planner(list(four), fixed).scout_budget(four) is None
    assert _planner(list(four)).scout_budget(dict.fromkeys(four)) is None  # nothing guessed


def test_unguessed_scenes_count_as_the_mean_of_the_others() -> None:
    seconds = {"A": 2.0, "B": 6.0, "C": None, "D": None}  # 4 + 4 -> 16 s, 240 frames
    assert _planner(list(seconds)).scout_budget(seconds) == 90


def _probe(name: str, run_times: list[float]) -> SceneProbe:
    return SceneProbe(name, tuple(AnimationInfo(i, t) for i, t in enumerate(run_times)))


def _head(name: str, last: int, frames: int) -> ChunkSpec:
    return ChunkSpec(name, 0, 0, last, frames, Quality.LOW)


def test_a_scene_drawn_whole_is_its_head_alone() -> None:
    probe = _probe("A", [1, 1, 1])
    assert plan_scouted(probe, _head("A", 2, 45), 10) == [_head("A", 2, 45)]


def test_the_rest_of_a_scene_is_balanced_after_its_head() -> None:
    probe = _probe("A", [1, 1, 1, 1, 1, 1])  # 15 frames each
    chunks = plan_scouted(probe, _head("A", 1, 30), 30)
    assert [(c.index, c.first, c.last, c.est_frames) for c in chunks] == [
        (0, 0, 1, 30),
        (1, 2, 3, 30),
        (2, 4, 5, 30),
    ]


def test_a_still_head_is_the_whole_plan() -> None:
    still = ChunkSpec("S", 0, -1, -1, 15, Quality.LOW, 1.0)
    assert plan_scouted(SceneProbe("S"), still, 10) == [still]


def test_a_pinned_plan_is_kept_only_if_it_starts_with_what_the_scout_drew(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    keys = {"A": "A-key"}
    probe = _probe("A", [1] * 6)
    cache.put_plan("A-key", [[0, 2, 0.0], [3, 5, 0.0]])
    same = ScenePlanner(Quality.LOW, POLICY, ["A"], keys, cache)
    planned = same.plan([probe], {"A": _head("A", 2, 45)})["A"]
    assert [(c.first, c.last) for c in planned] == [(0, 2), (3, 5)]
    other = ScenePlanner(Quality.LOW, POLICY, ["A"], keys, cache)
    planned = other.plan([probe], {"A": _head("A", 3, 60)})["A"]
    assert (planned[0].first, planned[0].last) == (0, 3)
    assert planned[-1].last == 5
