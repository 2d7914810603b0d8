"""A lesson's sound: PCM tracks cut to the video's frame count, loudness, and the final mux.

Everything before the mux stays PCM (16-bit, mono, one sample rate for the whole lesson), so a
scene's track can be cut to its video's frame count by samples, and the lesson's audio is the
scenes' PCM joined and encoded once. Joining AAC chunks instead would add the encoder's
priming samples (1024 at 48 kHz, ~21 ms) at every scene boundary, and the drift would grow
scene by scene. The video stream is copied into the muxed file untouched.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from renderers.errors import RenderError
from renderers.mp4 import is_faststart

LESSON_RATE = 48_000  # AAC's usual rate; 15, 30 and 60 fps all divide it
TOOL_TIMEOUT_S = 300
TARGET_LUFS = -16.0
SAMPLE_PEAK_DBFS = -2.0  # leaves room for inter-sample peaks after AAC (EBU R128's -1 dBTP)
_LIMITER_LOOKAHEAD_S = 0.005
_LOUDNESS_ROUNDS = 4
_SILENT_LUFS = -70.0  # ebur128's floor: the track is silence, no gain is applied
_INTEGRATED = re.compile(r"I:\s+(-?[\d.]+) LUFS")


class AudioError(RenderError):
    """Audio could not be read, converted, measured or muxed."""


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian mono samples at `rate` Hz."""

    data: bytes
    rate: int

    @property
    def samples(self) -> int:
        return len(self.data) // 2

    @property
    def duration_s(self) -> float:
        return self.samples / self.rate


def silence(samples: int, rate: int) -> Pcm:
    return Pcm(bytes(2 * max(0, samples)), rate)


def frame_samples(frames: int, fps: Fraction | int, rate: int = LESSON_RATE) -> int:
    """Samples that last exactly `frames` video frames (rounded where the rate does not divide)."""
    return round(Fraction(frames) * rate / Fraction(fps))


def fit(pcm: Pcm, samples: int) -> Pcm:
    """Padded with silence or cut, to exactly `samples`."""
    want = 2 * samples
    if len(pcm.data) >= want:
        return Pcm(pcm.data[:want], pcm.rate)
    return Pcm(pcm.data + bytes(want - len(pcm.data)), pcm.rate)


def join(parts: Sequence[Pcm]) -> Pcm:
    rates = {p.rate for p in parts}
    if len(rates) > 1:
        raise AudioError(f"cannot join PCM of different rates {sorted(rates)}")
    return Pcm(b"".join(p.data for p in parts), rates.pop() if rates else LESSON_RATE)


def place(clips: Sequence[tuple[int, Pcm]], samples: int, rate: int = LESSON_RATE) -> Pcm:
    """A track of exactly `samples`: silence, with each (start sample, clip) written over it.

    A clip past the end is cut; the caller lays clips out so they do not overlap.
    """
    track = bytearray(2 * samples)
    for start, clip in clips:
        if clip.rate != rate:
            raise AudioError(f"clip at {clip.rate} Hz in a {rate} Hz track")
        begin = 2 * max(0, start)
        chunk = clip.data[: max(0, len(track) - begin)]
        track[begin : begin + len(chunk)] = chunk
    return Pcm(bytes(track), rate)


def read_wav(data: bytes) -> Pcm:
    """PCM from a 16-bit mono WAV. Tolerates a streamed header (espeak-ng's `--stdout` writes
    placeholder sizes): the data chunk then runs to the end of the bytes."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file")
    at, rate, fmt_ok = 12, 0, False
    while at + 8 <= len(data):
        kind, size = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        body = at + 8
        if kind == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, body)
            fmt_ok = tag == 1 and channels == 1 and bits == 16
        elif kind == b"data":
            if not fmt_ok:
                raise AudioError("WAV is not 16-bit mono PCM")
            chunk = data[body : min(len(data), body + size)]
            return Pcm(chunk[: len(chunk) - len(chunk) % 2], rate)
        at = body + size + (size & 1)
    raise AudioError("WAV has no data chunk")


def wav_bytes(pcm: Pcm) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.data)
    return out.getvalue()


def _tool(argv: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    if shutil.which(argv[0]) is None:
        raise AudioError(f"{argv[0]} is not installed")
    try:
        done = subprocess.run(
            argv, input=stdin, capture_output=True, timeout=TOOL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise AudioError(f"{argv[0]} timed out after {TOOL_TIMEOUT_S} s") from e
    if done.returncode != 0:
        raise AudioError(f"{argv[0]} failed: {done.stderr.decode(errors='replace')[-800:]}")
    return done


def _raw_in(rate: int) -> list[str]:
    return ["-f", "s16le", "-ar", str(rate), "-ac", "1"]


def resample(pcm: Pcm, rate: int = LESSON_RATE) -> Pcm:
    """The same sound at `rate` Hz (ffmpeg's resampler); unchanged when already there."""
    if pcm.rate == rate or not pcm.data:
        return Pcm(pcm.data, rate)
    argv = ["ffmpeg", "-nostdin", "-v", "error", *_raw_in(pcm.rate), "-i", "pipe:0"]
    done = _tool([*argv, *_raw_in(rate), "pipe:1"], pcm.data)
    return Pcm(done.stdout[: len(done.stdout) - len(done.stdout) % 2], rate)


def measure(pcm: Pcm) -> float:
    """EBU R128 integrated loudness in LUFS (ffmpeg's ebur128 filter); -inf for silence."""
    argv = ["ffmpeg", "-nostdin", "-hide_banner", *_raw_in(pcm.rate), "-i", "pipe:0"]
    done = _tool([*argv, "-af", "ebur128", "-f", "null", "-"], pcm.data)
    text = done.stderr.decode(errors="replace")
    found = _INTEGRATED.search(text[text.rfind("Summary:") :])
    if "Summary:" not in text or found is None:
        raise AudioError(f"ffmpeg gave no loudness measurement: {text[-300:]}")
    return float(found.group(1))


def normalize(pcm: Pcm, target_lufs: float = TARGET_LUFS) -> Pcm:
    """Gain to `target_lufs` (EBU R128), peaks held under SAMPLE_PEAK_DBFS by a look-ahead
    limiter. Sample-exact: nothing moves in time, so A/V sync is untouched.

    Synthetic speech has peaks high above its loudness (espeak-ng: ~-20 LUFS with peaks at
    -2 dB), so plain gain would clip; the limiter takes the peaks down, which lowers the
    loudness a little, hence a few rounds of measure-and-correct.
    """
    level = measure(pcm)
    if level <= _SILENT_LUFS:
        return pcm
    source = np.frombuffer(pcm.data, dtype="<i2").astype(np.float64) / 32768.0
    gain_db, out = target_lufs - level, pcm
    for _ in range(_LOUDNESS_ROUNDS):
        out = Pcm(_limited(source * 10 ** (gain_db / 20), pcm.rate), pcm.rate)
        miss = target_lufs - measure(out)
        if abs(miss) < 0.3:
            break
        # The limiter takes back part of any extra gain: aim past the miss a little.
        gain_db += 1.5 * miss
    return out


def _limited(x: np.ndarray, rate: int) -> bytes:
    """Samples scaled so no peak passes the ceiling: the gain each peak needs is spread over a
    short window before and after it (min filter, then a shorter moving average), so it ramps
    instead of clipping."""
    ceiling = 10 ** (SAMPLE_PEAK_DBFS / 20)
    need = np.minimum(1.0, ceiling / np.maximum(np.abs(x), 1e-12))
    reach = max(1, int(rate * _LIMITER_LOOKAHEAD_S))
    floor = _sliding_min(need, 2 * reach + 1)
    # An average over +-reach/2 of values that are each <= need[peak] stays <= need[peak].
    width = reach + 1
    padded = np.pad(floor, (width // 2, width - 1 - width // 2), mode="edge")
    sums = np.concatenate([[0.0], np.cumsum(padded)])
    gain = (sums[width:] - sums[:-width]) / width  # moving average, O(n)
    y = np.clip(x * gain, -1.0, 32767 / 32768)
    return bytes(np.round(y * 32768.0).astype("<i2").tobytes())


def _sliding_min(x: np.ndarray, size: int) -> np.ndarray:
    """Minimum over a centred window of odd `size` (edges padded with their own value), in
    O(n): van Herk/Gil-Werman, block-wise running minima from both ends."""
    half = size // 2
    padded = np.concatenate([np.full(half, x[0]), x, np.full(half + size, x[-1])])
    blocks = padded[: len(padded) // size * size].reshape(-1, size)
    forward = np.minimum.accumulate(blocks, axis=1).ravel()
    backward = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    n = len(x)
    return np.minimum(backward[:n], forward[size - 1 : size - 1 + n])


@dataclass(frozen=True)
class AacSettings:
    bitrate_kbps: int = 128


def mux(video: Path, audio: Pcm, out: Path, aac: AacSettings = AacSettings()) -> Path:
    """`video`'s stream copied (not a frame changed) with `audio` encoded once as AAC, written
    atomically with its index first (`+faststart`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video)]
    argv += [*_raw_in(audio.rate), "-i", "pipe:0", "-map", "0:v:0", "-map", "1:a:0"]
    argv += ["-c:v", "copy", "-c:a", "aac", "-b:a", f"{aac.bitrate_kbps}k"]
    argv += ["-movflags", "+faststart", str(tmp)]
    try:
        _tool(argv, audio.data)
        if not is_faststart(tmp):
            raise AudioError(f"{out.name}: the muxed file does not stream (index last)")
        return tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


def lesson_audio(scene_tracks: Sequence[Pcm], target_lufs: float = TARGET_LUFS) -> Pcm:
    """The lesson's audio: the scenes' tracks (each already its video's length) joined as PCM
    and normalised once over the whole lesson, so every scene keeps its place to the sample."""
    return normalize(join(scene_tracks), target_lufs)
