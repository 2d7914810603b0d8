"""Narration settings: one plain object, built by api/ from its Settings and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cluster.delivery.storage.retry import RetryPolicy
from renderers.audio import TARGET_LUFS


class ProviderName(StrEnum):
    ESPEAK = "espeak"  # offline default: Debian's espeak-ng, run as its own process
    POLLY = "polly"  # Amazon Polly through boto3


@dataclass(frozen=True)
class PollySettings:
    region: str = "us-east-1"
    endpoint_url: str | None = None  # None: boto3's own resolution (AWS_ENDPOINT_URL included)
    engine: str = "standard"  # or "neural"; part of the cache key
    sample_rate: int = 16_000  # Polly's PCM output: 8000 or 16000 Hz
    timeout_s: float = 30.0


@dataclass(frozen=True)
class NarrationConfig:
    """Which voice speaks, where its audio is cached, and how hard to retry.

    `voice` is the provider's own voice name ("en-us" for espeak-ng, "Joanna" for Polly);
    None takes the provider's default.
    """

    provider: ProviderName = ProviderName.ESPEAK
    voice: str | None = None
    cache_dir: Path | None = None  # None: no cache (every beat is synthesised)
    words_per_minute: int = 165  # espeak-ng's speed; Polly speaks at its own
    beat_gap_s: float = 0.25  # silence between beats laid back to back
    max_silence_s: float = 2.0  # a beat's animations may outlast its voice by this much
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=5, base_delay_s=0.5))
    polly: PollySettings = field(default_factory=PollySettings)
    timeout_s: float = 60.0  # one synthesis by a local process
    # A scene whose voice cannot be made: delivered silent, saying so (else the lesson fails)
    allow_silent: bool = True
    burn_captions: bool = False  # also deliver lesson.captioned.mp4 (re-encoded)
    target_lufs: float = TARGET_LUFS
