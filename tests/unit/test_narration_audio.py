"""PCM tracks cut by samples, WAV reading, and the limiter that holds peaks under the ceiling."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from renderers.audio import (
    SAMPLE_PEAK_DBFS,
    AudioError,
    Pcm,
    _limited,
    _sliding_min,
    fit,
    frame_samples,
    join,
    place,
    read_wav,
    silence,
    wav_bytes,
)


def test_frame_samples_are_exact_for_every_preset() -> None:
    assert [frame_samples(1, fps) for fps in (15, 30, 60)] == [3200, 1600, 800]
    assert frame_samples(37, 15) == 37 * 3200
    assert frame_samples(1001, 30, rate=44_100) == round(1001 * 44_100 / 30)


def test_fit_pads_and_cuts_to_the_sample() -> None:
    pcm = Pcm(b"\x01\x00" * 10, 48_000)
    assert fit(pcm, 4).data == b"\x01\x00" * 4
    assert fit(pcm, 12).data == b"\x01\x00" * 10 + bytes(4)


def test_place_writes_clips_at_their_sample_and_cuts_the_tail() -> None:
    clip = Pcm(b"\x05\x00" * 3, 48_000)
    track = place([(2, clip), (9, clip)], samples=10)
    values = struct.unpack("<10h", track.data)
    assert values == (0, 0, 5, 5, 5, 0, 0, 0, 0, 5)


def test_clips_of_another_rate_are_refused() -> None:
    with pytest.raises(AudioError, match="22050 Hz"):
        place([(0, Pcm(b"\x00\x00", 22_050))], samples=4)
    with pytest.raises(AudioError, match="different rates"):
        join([silence(2, 48_000), silence(2, 16_000)])


def test_wav_round_trip_and_streamed_headers() -> None:
    pcm = Pcm(struct.pack("<4h", 1, -2, 3, -4), 22_050)
    assert read_wav(wav_bytes(pcm)) == pcm
    streamed = bytearray(wav_bytes(pcm))
    streamed[4:8] = streamed[40:44] = struct.pack("<I", 0x7FFFF000)  # espeak-ng --stdout
    assert read_wav(bytes(streamed)) == pcm


def test_not_a_mono_16_bit_wav_is_refused() -> None:
    stereo = bytearray(wav_bytes(Pcm(bytes(8), 8000)))
    stereo[22:24] = struct.pack("<H", 2)
    with pytest.raises(AudioError, match="16-bit mono"):
        read_wav(bytes(stereo))
    with pytest.raises(AudioError, match="not a WAV"):
        read_wav(b"ID3....")


def test_sliding_min_matches_the_plain_definition() -> None:
    rng = np.random.default_rng(7)
    for n in (1, 4, 50, 333):
        x = rng.random(n)
        for size in (1, 3, 9, 41):
            half = size // 2
            plain = [x[max(0, i - half) : i + half + 1].min() for i in range(n)]
            assert np.array_equal(_sliding_min(x, size), plain)


def test_the_limiter_holds_peaks_under_the_ceiling_and_leaves_quiet_parts() -> None:
    rate = 48_000
    t = np.arange(rate) / rate
    x = 0.2 * np.sin(2 * np.pi * 220 * t)
    x[24_000:24_050] = 1.6  # a burst far over full scale
    y = np.frombuffer(_limited(x, rate), dtype="<i2") / 32768
    assert np.abs(y).max() <= 10 ** (SAMPLE_PEAK_DBFS / 20) + 1e-4
    far = slice(0, 20_000)
    assert np.allclose(y[far], x[far], atol=1 / 32768)
