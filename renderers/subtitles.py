"""Captions from beat timings: WebVTT and SRT for the lesson, a WebVTT chapters track (one
chapter per scene), and captions burnt into the picture for platforms that need them.

Times are exact fractions of a second until they are written (to the millisecond), and each
scene's offset is its video's frame count over the frame rate, summed: no rounding drifts
from scene to scene.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from renderers.errors import RenderError
from renderers.mp4 import is_faststart

BURN_TIMEOUT_S = 900  # a re-encode of the whole lesson


class SubtitleError(RenderError):
    """Captions could not be made or burnt in."""


@dataclass(frozen=True)
class Cue:
    start_s: Fraction
    end_s: Fraction
    text: str


@dataclass(frozen=True)
class SceneCaptions:
    """One scene's cues (from the scene's start) and its video's length."""

    title: str
    frames: int
    fps: int
    cues: tuple[Cue, ...] = ()

    @property
    def duration_s(self) -> Fraction:
        return Fraction(self.frames, self.fps)


def lesson_cues(scenes: Sequence[SceneCaptions]) -> list[Cue]:
    """Every scene's cues on the lesson's timeline, each cut at its scene's end."""
    out: list[Cue] = []
    offset = Fraction(0)
    for scene in scenes:
        for cue in scene.cues:
            start = min(cue.start_s, scene.duration_s)
            end = min(cue.end_s, scene.duration_s)
            if end > start:
                out.append(Cue(offset + start, offset + end, cue.text))
        offset += scene.duration_s
    return out


def chapters(scenes: Sequence[SceneCaptions]) -> list[Cue]:
    out, offset = [], Fraction(0)
    for scene in scenes:
        out.append(Cue(offset, offset + scene.duration_s, scene.title))
        offset += scene.duration_s
    return out


def _clock(t: Fraction, separator: str) -> str:
    ms = round(t * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _one_line(text: str) -> str:
    # A blank line ends a cue in both formats: captions are kept to one line of text.
    return " ".join(text.split())


def _vtt_text(text: str) -> str:
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT"]
    for i, cue in enumerate(cues, 1):
        times = f"{_clock(cue.start_s, '.')} --> {_clock(cue.end_s, '.')}"
        blocks.append(f"{i}\n{times}\n{_vtt_text(cue.text)}")
    return "\n\n".join(blocks) + "\n"


def srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for i, cue in enumerate(cues, 1):
        times = f"{_clock(cue.start_s, ',')} --> {_clock(cue.end_s, ',')}"
        blocks.append(f"{i}\n{times}\n{_one_line(cue.text)}")
    return "\n\n".join(blocks) + "\n"


def burn_in(video: Path, srt_text: str, out: Path, crf: int = 23) -> Path:
    """The video with the captions drawn into its frames (ffmpeg's subtitles filter, libass).

    Unlike every other output this re-encodes the video (H.264, yuv420p, the farm's CRF); any
    audio is copied. Written atomically, index first.
    """
    if shutil.which("ffmpeg") is None:
        raise SubtitleError("ffmpeg is not installed")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.partial{out.suffix}")
    with tempfile.TemporaryDirectory(prefix="captions-") as work:
        # A fixed file name in the filter: a path would need the filter graph's escaping.
        (Path(work) / "captions.srt").write_text(srt_text, encoding="utf-8")
        argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video.resolve())]
        argv += ["-map", "0:v:0", "-map", "0:a?", "-vf", "subtitles=captions.srt"]
        argv += ["-c:v", "libx264", "-crf", str(crf), "-pix_fmt", "yuv420p", "-c:a", "copy"]
        argv += ["-movflags", "+faststart", str(tmp.resolve())]
        try:
            _run_in(work, argv)
            if not is_faststart(tmp):
                raise SubtitleError(f"{out.name}: the captioned file does not stream")
            return tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)


def _run_in(cwd: str, argv: list[str]) -> None:
    try:
        done = subprocess.run(
            argv, cwd=cwd, capture_output=True, text=True, timeout=BURN_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise SubtitleError(f"ffmpeg timed out after {BURN_TIMEOUT_S} s burning captions") from e
    if done.returncode != 0:
        raise SubtitleError(f"ffmpeg could not burn captions in: {done.stderr.strip()[-800:]}")
