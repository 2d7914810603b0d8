"""The two probes in a real sandbox: planning a render jumps over each animation, the layout
check steps through every frame; both must find the same animations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from renderers import ManimRenderer, SceneCodeError, SceneSource
from sandbox import Sandbox, SandboxLimits, make_sandbox

pytestmark = pytest.mark.integration
LESSON = Path(__file__).resolve().parents[2] / "examples" / "lesson.py"
RENDERER = ManimRenderer()
FAILS_MID_ANIMATION = SceneSource(
    "late.py",
    """from manim import *


class Late(Scene):
    def construct(self):
        t = ValueTracker(0)
        d = Dot()

        def move(m):
            if t.get_value() > 0.5:
                raise RuntimeError("the tracker went too far")
            m.move_to(RIGHT * t.get_value())

        d.add_updater(move)
        self.add(d)
        self.play(t.animate(rate_func=there_and_back).set_value(0.8))
""",
)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = make_sandbox("bwrap", RENDERER.sandbox_spec(SandboxLimits(), "probe-modes"))
    yield box
    box.close()


@pytest.mark.parametrize("scene", ["Title", "DifferenceQuotient", "TangentLine", "Summary"])
def test_both_probes_find_the_same_animations(sandbox: Sandbox, scene: str) -> None:
    source = SceneSource("lesson.py", LESSON.read_text())
    jumping = RENDERER.probe(sandbox, source, scene)
    stepping = RENDERER.probe(sandbox, source, scene, layout=True)
    assert jumping.animations  # every sample scene animates
    same = [(a.run_time_s, a.kinds) for a in jumping.animations]
    assert same == [(a.run_time_s, a.kinds) for a in stepping.animations]
    assert all(a.build_s > 0 for a in jumping.animations)


def test_an_updater_failing_mid_animation_is_found_by_the_stepping_probe(
    sandbox: Sandbox,
) -> None:
    """The tracker goes to 0.8 and back to 0: only frames in the middle pass 0.5. Planning
    jumps to the end and passes (the chunk would fail when it renders); the layout check
    steps through the frames and fails as a render would."""
    assert RENDERER.probe(sandbox, FAILS_MID_ANIMATION, "Late").animations
    with pytest.raises(SceneCodeError, match="too far"):
        RENDERER.probe(sandbox, FAILS_MID_ANIMATION, "Late", layout=True)
