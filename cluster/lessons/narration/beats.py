"""A scene's narration cut into beats (sentences) and spoken before any scene code is written,
so every beat's duration is known to the code that animates it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cluster.lessons.narration.cache import Speaker
from renderers.audio import Pcm

# Where a sentence ends: . ! ? (closing quotes or brackets allowed) then space and a capital,
# digit or opening quote. Abbreviations and initials are glued back together below.
_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "cf",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "no",
        "fig",
        "eq",
        "approx",
        "dept",
        "al",
        "jr",
        "sr",
    ]
)
MAX_BEAT_CHARS = 1000


class BeatError(ValueError):
    """Narration that cannot be cut into beats (empty, or a beat too long to speak at once)."""


def split_beats(narration: str | Sequence[str]) -> list[str]:
    """Sentences of `narration`; a list is taken as beats already (the plan's own)."""
    if not isinstance(narration, str):
        beats = [" ".join(b.split()) for b in narration if b.strip()]
    else:
        beats = _sentences(" ".join(narration.split()))
    if not beats:
        raise BeatError("the narration is empty")
    too_long = [i for i, b in enumerate(beats) if len(b) > MAX_BEAT_CHARS]
    if too_long:
        raise BeatError(f"beat {too_long[0]} is over {MAX_BEAT_CHARS} characters")
    return beats


def _sentences(text: str) -> list[str]:
    pieces = [p for p in _END.split(text) if p]
    out: list[str] = []
    for piece in pieces:
        if out and _ends_in_abbreviation(out[-1]):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _ends_in_abbreviation(sentence: str) -> bool:
    last = sentence.rsplit(" ", 1)[-1].rstrip(".").lower()
    return last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())


@dataclass(frozen=True)
class Beat:
    index: int
    text: str
    audio: Pcm  # at the lesson rate

    @property
    def duration_s(self) -> float:
        return self.audio.duration_s


@dataclass(frozen=True)
class SceneNarration:
    """A scene's beats, spoken: what the scene's code is written against."""

    beats: tuple[Beat, ...]
    provider: str
    voice: str

    @property
    def durations_s(self) -> tuple[float, ...]:
        """Beat durations, rounded to the millisecond: what the sandbox helper is given."""
        return tuple(round(b.duration_s, 3) for b in self.beats)

    @property
    def audio_s(self) -> float:
        return sum(b.duration_s for b in self.beats)


def narrate_scene(narration: str | Sequence[str], speaker: Speaker) -> SceneNarration:
    """Each beat spoken (through the cache), in order."""
    texts = split_beats(narration)
    beats = tuple(Beat(i, text, speaker.speak(text)) for i, text in enumerate(texts))
    voice = speaker.provider.voice()
    return SceneNarration(beats, voice.provider, voice.voice)
