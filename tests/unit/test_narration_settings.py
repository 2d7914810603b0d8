"""Narration from the settings to a lesson job: the farm's TTS, a lesson's voice or silence."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from api.farm_config import narration_config, runner_config
from api.settings import Settings
from cluster.jobs import run_job
from cluster.jobs.store import LessonEntry, LessonOptions
from cluster.lessons.narration import NarrationConfig, ProviderName
from scenes import Lesson


def test_the_tts_settings_make_the_farms_narration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, tts_provider="polly", tts_voice="Joanna")
    made = narration_config(settings)
    assert (made.provider, made.voice, made.cache_dir) == (
        ProviderName.POLLY,
        "Joanna",
        tmp_path / "tts",
    )
    assert narration_config(settings, "Matthew").voice == "Matthew"
    assert narration_config(Settings(data_dir=tmp_path)).provider is ProviderName.ESPEAK


def test_a_farm_may_keep_every_lesson_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCENEFARM_SANDBOX", "bwrap")
    speaking = runner_config(Settings(data_dir=tmp_path), "unix:///nowhere")
    assert speaking.narration is not None
    monkeypatch.setenv("SCENEFARM_NARRATION", "0")
    assert runner_config(Settings(data_dir=tmp_path), "unix:///nowhere").narration is None
    monkeypatch.setenv("SCENEFARM_TTS_PROVIDER", "festival")
    with pytest.raises(ValueError, match="tts_provider"):
        Settings(data_dir=tmp_path)


def _entry(**options: object) -> LessonEntry:
    lesson = Lesson(id="lesson-0123456789ab", prompt="p")
    return LessonEntry(lesson=lesson, owner="alice", options=LessonOptions(**options))  # type: ignore[arg-type]


def test_a_lesson_speaks_in_its_own_voice_unless_it_asked_for_silence(tmp_path: Path) -> None:
    farm = NarrationConfig(voice="en-us", cache_dir=tmp_path)
    config = runner_config(Settings(data_dir=tmp_path, sandbox="bwrap"), "unix:///nowhere")
    config = replace(config, narration=farm)
    assert run_job._narration(config, _entry()) == farm  # the default: the farm's voice
    assert run_job._narration(config, _entry(voice="en-gb")).voice == "en-gb"  # type: ignore[union-attr]
    assert run_job._narration(config, _entry(narration=False)) is None
    silent_farm = replace(config, narration=None)
    assert run_job._narration(silent_farm, _entry(narration=True)) is None
