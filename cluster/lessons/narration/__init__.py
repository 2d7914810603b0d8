"""Narration: beats spoken by a TTS provider (espeak-ng offline, Amazon Polly in the cloud),
cached by content, placed on each scene's frames, checked against its probe, and turned into
the scene's audio track and caption cues. Muxing and captions files are in renderers/."""

from cluster.lessons.narration.beats import (
    Beat,
    BeatError,
    SceneNarration,
    narrate_scene,
    split_beats,
)
from cluster.lessons.narration.cache import AudioCache, Speaker, SpeechStats, audio_key
from cluster.lessons.narration.config import NarrationConfig, PollySettings, ProviderName
from cluster.lessons.narration.timing import (
    MarksError,
    Slot,
    TimingVerdict,
    check,
    cues,
    layout,
    scene_track,
)
from cluster.lessons.narration.tts import (
    NarrationError,
    TtsProvider,
    TtsRejected,
    TtsUnavailable,
    Voice,
    make_provider,
)


def speaker(config: NarrationConfig) -> Speaker:
    """The configured provider behind the configured cache."""
    cache = AudioCache(config.cache_dir) if config.cache_dir else None
    return Speaker(make_provider(config), cache)


__all__ = [
    "AudioCache",
    "Beat",
    "BeatError",
    "MarksError",
    "NarrationConfig",
    "NarrationError",
    "PollySettings",
    "ProviderName",
    "SceneNarration",
    "Slot",
    "Speaker",
    "SpeechStats",
    "TimingVerdict",
    "TtsProvider",
    "TtsRejected",
    "TtsUnavailable",
    "Voice",
    "audio_key",
    "check",
    "cues",
    "layout",
    "make_provider",
    "narrate_scene",
    "scene_track",
    "speaker",
    "split_beats",
]
