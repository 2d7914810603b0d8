"""The probe's layout check in a real sandbox: what it reports, and what it must not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from renderers import ManimRenderer, SceneSource
from sandbox import Sandbox, SandboxLimits, make_sandbox

from .conftest import SCENES

pytestmark = pytest.mark.integration
SOURCE = SceneSource("layout.py", (SCENES / "layout.py").read_text())


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    box = make_sandbox("bwrap", ManimRenderer().sandbox_spec(SandboxLimits(), "test"))
    yield box
    box.close()


def issues(sandbox: Sandbox, scene: str) -> tuple[str, ...]:
    return ManimRenderer().probe(sandbox, SOURCE, scene, layout=True).layout


def test_text_over_text_is_reported(sandbox: Sandbox) -> None:
    assert issues(sandbox, "Overlap") == (
        "after animation 0: Text 'Hello world' overlaps Text 'Another line'",
    )


def test_text_wider_than_the_frame_is_reported_at_both_edges(sandbox: Sandbox) -> None:
    found = issues(sandbox, "Wide")
    assert len(found) == 2
    assert "cut off at the left edge" in found[0] and "cut off at the right edge" in found[1]


@pytest.mark.parametrize("scene", ["NextTo", "SlideOut", "Zoomed", "Graph"])
def test_good_layouts_are_not_reported(sandbox: Sandbox, scene: str) -> None:
    assert issues(sandbox, scene) == ()


def test_without_the_flag_nothing_is_checked(sandbox: Sandbox) -> None:
    assert ManimRenderer().probe(sandbox, SOURCE, "Overlap").layout == ()
