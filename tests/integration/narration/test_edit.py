"""Editing one scene's narration speaks only that scene again, and says whether its timing
(and so its code and video) must change."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.lessons.narration import NarrationConfig, Speaker, narrate_scene, speaker
from cluster.lessons.narration.deliver import timing_changed

from .conftest import need
from .lesson import NARRATIONS

pytestmark = pytest.mark.integration


def test_a_narration_edit_speaks_one_scene_again(tmp_path: Path) -> None:
    need("espeak-ng")
    config = NarrationConfig(cache_dir=tmp_path / "tts")
    before = [narrate_scene(text, speaker(config)) for text in NARRATIONS]
    edited = list(NARRATIONS)
    edited[2] = NARRATIONS[2].replace("Nine plus sixteen is 25!", "Together they make 25.")
    speakers = [speaker(config) for _ in edited]
    after = [narrate_scene(text, s) for text, s in zip(edited, speakers, strict=True)]
    spoken = [s.stats.synthesized for s in speakers]
    assert spoken == [0, 0, 1, 0, 0, 0]  # its first sentence was already in the cache
    assert [timing_changed(b, a) for b, a in zip(before, after, strict=True)] == [
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert after[0] == before[0]


def test_a_new_scene_always_needs_timing(tmp_path: Path) -> None:
    need("espeak-ng")
    spoken = narrate_scene("Hello there.", Speaker(speaker(NarrationConfig()).provider, None))
    assert timing_changed(None, spoken)
