"""Delivery checks and extras for a finished MP4: its poster frame, and whether it streams.

A browser starts playing an MP4 before it has all of it only when the `moov` box (the index)
comes before `mdat` (the media): ffmpeg's `+faststart`. Our stitched videos are written that
way; `ensure_faststart` checks the boxes and moves the index otherwise (never re-encoding).
"""

from __future__ import annotations

from pathlib import Path

from renderers.errors import ChunkRenderError, StitchError
from renderers.files import partial_path
from renderers.models import ChunkSpec
from renderers.mp4 import Mp4Error, faststart, is_faststart
from renderers.quality import PRESETS
from renderers.stitch import _run as run_tool  # the one place that runs ffmpeg with a timeout


def ensure_faststart(video: Path, workdir: Path) -> Path:
    """video itself when it already streams; otherwise a stream-copied remux in workdir."""
    if is_faststart(video):
        return video
    out = workdir / f"{video.stem}.faststart.mp4"
    try:
        return faststart(video, out)
    except Mp4Error:  # a layout the box rewriter does not do: ffmpeg remuxes it
        pass
    remux = ["-map", "0", "-c", "copy", "-movflags", "+faststart"]
    run_tool(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video), *remux, str(out)])
    return out


def extract_poster(video: Path, out: Path) -> Path:
    """The video's last frame as a JPEG: a Manim scene builds up to its final picture.

    Only the last second is decoded; every frame overwrites the image (`-update 1`), leaving
    the last. Bit-exact flags keep the bytes reproducible, so republishing is idempotent.
    """
    with partial_path(out) as tmp:
        last_second = ["-sseof", "-1", "-i", str(video), "-map", "0:v:0", "-an"]
        exact = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact"]
        one_image = ["-threads", "1", "-q:v", "3", "-update", "1", str(tmp)]
        run_tool(["ffmpeg", "-nostdin", "-v", "error", "-y", *last_second, *exact, *one_image])
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise StitchError(f"no frame could be read from {video.name}")
    return out


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
POSTER_MAX_BYTES = 8 << 20


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG from its frame header, read in plain Python (the poster a
    sandboxed job made is untrusted: the host only checks it, never decodes it)."""
    if len(data) > POSTER_MAX_BYTES or not data.startswith(b"\xff\xd8"):
        raise StitchError("not a JPEG")
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise StitchError(f"not a JPEG (no marker at byte {at})")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2:
            raise StitchError("not a JPEG (bad segment length)")
        if marker in _SOF:
            if at + 9 > len(data):
                break
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            width = int.from_bytes(data[at + 7 : at + 9], "big")
            return width, height
        if marker == 0xDA:  # scan data: no frame header before it
            break
        at += 2 + length
    raise StitchError("not a JPEG (no frame header)")


def checked_poster(chunk: ChunkSpec, data: bytes) -> bytes:
    """The guest's poster (untrusted): a JPEG of the preset's size, or the chunk is refused."""
    if not data:
        return b""
    preset = PRESETS[chunk.quality]
    try:
        size = jpeg_size(data)
    except StitchError as e:
        raise ChunkRenderError(chunk.label, "output_rejected", f"poster: {e}") from e
    if size != (preset.width, preset.height):
        detail = f"poster of {size[0]}x{size[1]}, not {preset.width}x{preset.height}"
        raise ChunkRenderError(chunk.label, "output_rejected", detail)
    return data
