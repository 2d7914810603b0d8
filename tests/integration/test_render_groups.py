"""`scenefarm render --group SCENE=GROUP` from the command line, through the local farm."""

from __future__ import annotations

import pytest

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration


def test_a_scene_renders_in_the_group_the_command_line_names(farm: Farm) -> None:
    run = farm.render(SCENES / "broken.py", "First", "--group", "First=cpu_render")
    assert run.code == 0, run.stderr[-3000:]
    assert {c["group"] for c in run.scene("First")["chunks"]} == {"cpu_render"}
    stray = farm.render(SCENES / "broken.py", "First", "--group", "Outro=gpu_render", out="x.mp4")
    assert stray.code != 0
    assert "asked for Outro, which this lesson does not render" in stray.stderr
