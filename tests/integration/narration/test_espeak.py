"""espeak-ng, the offline default, as a separate process: real speech, cached by content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cluster.lessons.narration import (
    AudioCache,
    NarrationConfig,
    Speaker,
    TtsRejected,
    make_provider,
    narrate_scene,
    speaker,
)
from cluster.lessons.narration.cache import audio_key
from cluster.lessons.narration.tts import TtsProvider, Voice
from renderers.audio import LESSON_RATE, Pcm

from .conftest import need

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _espeak() -> None:
    need("espeak-ng")


class Counting:
    """The real provider, counting its calls (to see what the cache saved)."""

    def __init__(self, inner: TtsProvider) -> None:
        self.inner, self.calls = inner, 0

    def voice(self) -> Voice:
        return self.inner.voice()

    def synthesize(self, text: str) -> Pcm:
        self.calls += 1
        return self.inner.synthesize(text)


def test_speaks_without_a_key_or_a_download() -> None:
    provider = make_provider(NarrationConfig())
    pcm = provider.synthesize("The square of the hypotenuse.")
    samples = np.frombuffer(pcm.data, dtype="<i2")
    assert pcm.rate == 22_050 and 1.0 < pcm.duration_s < 4.0
    assert np.abs(samples).max() > 3000  # speech, not silence
    voice = provider.voice()
    assert voice.provider == "espeak-ng" and voice.version[0].isdigit()


def test_text_is_never_taken_as_an_option() -> None:
    pcm = make_provider(NarrationConfig()).synthesize("--version -w /tmp/x.wav")
    assert pcm.duration_s > 0.5 and not Path("/tmp/x.wav").exists()


def test_a_bad_voice_name_is_refused() -> None:
    with pytest.raises(TtsRejected, match="not a voice name"):
        make_provider(NarrationConfig(voice="en; rm -rf /"))


def test_the_second_synthesis_comes_from_the_cache(tmp_path: Path) -> None:
    counting = Counting(make_provider(NarrationConfig()))
    first = Speaker(counting, AudioCache(tmp_path))
    spoken = narrate_scene("One sentence. Another one! One sentence.", first)
    assert counting.calls == 2  # the repeated sentence was spoken once
    again = Speaker(counting, AudioCache(tmp_path))
    assert narrate_scene("One sentence. Another one! One sentence.", again) == spoken
    assert counting.calls == 2 and again.stats.cached == 3
    key = audio_key("Another one!", counting.voice())
    assert AudioCache(tmp_path).path(key).is_file()
    assert spoken.beats[0].audio.rate == LESSON_RATE


def test_a_corrupt_cache_file_is_spoken_again(tmp_path: Path) -> None:
    config = NarrationConfig(cache_dir=tmp_path)
    first = speaker(config)
    audio = first.speak("Written again.")
    path = AudioCache(tmp_path).path(audio_key("Written again.", first.provider.voice()))
    path.write_bytes(b"RIFF....")  # a truncated file from an older, broken writer
    again = speaker(config)
    assert again.speak("Written again.") == audio and again.stats.synthesized == 1
    assert not list(tmp_path.rglob("*.partial"))


def test_another_speed_is_another_sound(tmp_path: Path) -> None:
    slow = speaker(NarrationConfig(cache_dir=tmp_path, words_per_minute=120))
    fast = speaker(NarrationConfig(cache_dir=tmp_path, words_per_minute=220))
    assert slow.speak("Pace matters.").samples > fast.speak("Pace matters.").samples
    assert fast.stats.synthesized == 1
