"""ffmpeg: join media by stream copy, and inspect what was rendered."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from renderers.errors import StitchError
from renderers.files import partial_path
from renderers.mp4 import Mp4Error, faststart
from renderers.mp4join import join

FFMPEG_TIMEOUT_S = 300


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    fps: Fraction
    frames: int
    pix_fmt: str


def _run(argv: list[str]) -> str:
    if shutil.which(argv[0]) is None:
        raise StitchError(f"{argv[0]} is not installed")
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise StitchError(f"{argv[0]} timed out after {FFMPEG_TIMEOUT_S} s") from e
    if done.returncode != 0:
        raise StitchError(f"{argv[0]} failed: {done.stderr.strip()[-800:]}")
    return done.stdout


def concat(parts: Sequence[Path], out: Path) -> Path:
    """Joins MP4s with identical encoding by stream copy; writes `out` atomically, with its
    index first (`+faststart`)."""
    if not parts:
        raise StitchError("nothing to stitch")
    with partial_path(out) as tmp:
        if not _joined_here(parts, tmp):
            _ffmpeg_concat(parts, tmp)
    return out


def _ffmpeg_concat(parts: Sequence[Path], tmp: Path) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        for part in parts:
            escaped = str(part.resolve()).replace("'", r"'\''")
            listing.write(f"file '{escaped}'\n")
    try:
        _run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                listing.name,
                "-c",
                "copy",
                "-map",
                "0",
                "-movflags",
                "+faststart",
                str(tmp),
            ]
        )
    finally:
        Path(listing.name).unlink(missing_ok=True)


def _joined_here(parts: Sequence[Path], tmp: Path) -> bool:
    """Joins parts in plain Python where renderers.mp4join knows them (the farm's own chunks
    and scene videos), or moves one part's index first; False leaves it to ffmpeg."""
    try:
        join(parts, tmp)
        return True
    except (Mp4Error, OSError):  # JoinUnsupported included: ffmpeg joins or says why not
        tmp.unlink(missing_ok=True)
    if len(parts) != 1:
        return False
    try:
        faststart(parts[0], tmp)
    except (Mp4Error, OSError):
        tmp.unlink(missing_ok=True)
        return False
    return True


def probe_video(path: Path) -> VideoInfo:
    """Codec, size, rate and exact frame count (packets counted) of the first video stream."""
    raw = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_packets",
            "-show_entries",
            "stream=codec_name,width,height,r_frame_rate,nb_read_packets,pix_fmt",
            "-of",
            "json",
            str(path),
        ]
    )
    streams = json.loads(raw).get("streams") or []
    if not streams:
        raise StitchError(f"{path.name} has no video stream")
    s = streams[0]
    return VideoInfo(
        codec=s["codec_name"],
        width=int(s["width"]),
        height=int(s["height"]),
        fps=Fraction(s["r_frame_rate"]),
        frames=int(s.get("nb_read_packets", 0)),
        pix_fmt=s.get("pix_fmt", ""),
    )


def frame_hashes(path: Path) -> list[str]:
    """MD5 of every decoded frame (ffmpeg framemd5): equal lists mean identical frames."""
    out = _run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-f",
            "framemd5",
            "-",
        ]
    )
    return [
        line.rsplit(",", 1)[-1].strip()
        for line in out.splitlines()
        if line and not line.startswith("#")
    ]
