"""The one protocol every text-to-speech provider speaks, and the factory that picks one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cluster.lessons.narration.config import NarrationConfig, ProviderName
from renderers.audio import Pcm


class NarrationError(Exception):
    """Narration could not be made: names the provider and what went wrong."""


class TtsUnavailable(NarrationError):
    """The provider is down, throttling or timed out: worth retrying later."""


class TtsRejected(NarrationError):
    """The provider refused the request (bad voice, text too long, no credentials)."""


@dataclass(frozen=True)
class Voice:
    """What identifies a sound: the same text in the same voice is the same audio."""

    provider: str
    voice: str
    version: str  # the engine's own version: a new one may sound different


class TtsProvider(Protocol):
    def voice(self) -> Voice:
        """The voice this provider speaks with (resolved default included)."""
        ...

    def synthesize(self, text: str) -> Pcm:
        """`text` spoken, as PCM at the provider's own rate; raises NarrationError."""
        ...


def make_provider(config: NarrationConfig) -> TtsProvider:
    # Imported here so choosing espeak-ng never imports boto3.
    if config.provider is ProviderName.ESPEAK:
        from cluster.lessons.narration.espeak import EspeakProvider

        return EspeakProvider(config)
    if config.provider is ProviderName.POLLY:
        from cluster.lessons.narration.polly import PollyProvider

        return PollyProvider(config)
    raise NarrationError(f"unknown TTS provider {config.provider!r}")
