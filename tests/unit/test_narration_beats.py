"""Narration cut into beats (sentences), and content keys for spoken audio."""

from __future__ import annotations

import pytest

from cluster.lessons.narration import BeatError, Voice, audio_key, split_beats


def test_sentences_become_beats() -> None:
    text = "A right triangle has a right angle.  Its longest side?\nThe hypotenuse! Done."
    assert split_beats(text) == [
        "A right triangle has a right angle.",
        "Its longest side?",
        "The hypotenuse!",
        "Done.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Use a small one, e.g. Three and four.",
        "Dr. Smith drew it.",
        "See fig. 2 for the proof.",
        "It is 3.14 units long.",
        "J. R. Euclid wrote it.",
    ],
)
def test_abbreviations_and_numbers_do_not_end_a_beat(text: str) -> None:
    assert split_beats(text) == [text]


def test_quotes_and_brackets_stay_with_their_sentence() -> None:
    assert split_beats('He said "stop." Then (later) we went. (Really.) Yes.') == [
        'He said "stop."',
        "Then (later) we went.",
        "(Really.)",
        "Yes.",
    ]


def test_the_plans_own_beats_are_kept() -> None:
    assert split_beats(["First part. Still first.", "  ", "Second\npart"]) == [
        "First part. Still first.",
        "Second part",
    ]


def test_empty_or_huge_narration_is_refused() -> None:
    with pytest.raises(BeatError, match="empty"):
        split_beats("   ")
    with pytest.raises(BeatError, match="over 1000 characters"):
        split_beats("word " * 300)


def test_audio_keys_change_with_everything_that_changes_the_sound() -> None:
    voice = Voice("espeak-ng", "en-us@165wpm", "1.51")
    key = audio_key("Hello.", voice)
    assert key == audio_key("Hello.", Voice("espeak-ng", "en-us@165wpm", "1.51"))
    others = {
        audio_key("Hello!", voice),
        audio_key("Hello.", Voice("polly", "en-us@165wpm", "1.51")),
        audio_key("Hello.", Voice("espeak-ng", "en-gb@165wpm", "1.51")),
        audio_key("Hello.", Voice("espeak-ng", "en-us@165wpm", "1.52")),
        audio_key("Hello.", voice, rate=44_100),
    }
    assert key not in others and len(others) == 5
