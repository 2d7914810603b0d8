"""Spoken audio cached by content: the same text in the same voice is never synthesised twice.

Key = SHA-256 of (text, provider, voice, provider version, our format version). Files are
WAVs at the lesson rate, written whole under a temporary name and renamed (atomic_write), so a
crash never leaves a partial file that could be read as a hit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cluster.lessons.narration.tts import TtsProvider, Voice
from renderers.audio import LESSON_RATE, AudioError, Pcm, read_wav, resample, wav_bytes
from renderers.files import atomic_write

FORMAT_VERSION = "1"  # bump when what is stored changes (rate, resampler, trimming)


def audio_key(text: str, voice: Voice, rate: int = LESSON_RATE) -> str:
    identity = {
        "text": text,
        "provider": voice.provider,
        "voice": voice.voice,
        "version": voice.version,
        "rate": rate,
        "format": FORMAT_VERSION,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


class AudioCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str) -> Pcm | None:
        try:
            return read_wav(self.path(key).read_bytes())
        except FileNotFoundError:
            return None
        except AudioError:  # unreadable: treated as a miss and written again
            return None

    def put(self, key: str, pcm: Pcm) -> None:
        atomic_write(self.path(key), wav_bytes(pcm))


@dataclass
class SpeechStats:
    synthesized: int = 0
    cached: int = 0


class Speaker:
    """A provider behind the cache, giving PCM at the lesson rate."""

    def __init__(self, provider: TtsProvider, cache: AudioCache | None) -> None:
        self.provider, self.cache = provider, cache
        self.stats = SpeechStats()

    def speak(self, text: str) -> Pcm:
        key = audio_key(text, self.provider.voice())
        found = self.cache.get(key) if self.cache else None
        if found is not None:
            self.stats.cached += 1
            return found
        pcm = resample(self.provider.synthesize(text), LESSON_RATE)
        self.stats.synthesized += 1
        if self.cache:
            self.cache.put(key, pcm)
        return pcm
