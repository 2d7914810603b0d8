"""MP4 boxes read and rearranged in plain Python: a chunk's video track, and `faststart`.

The host checks media that sandboxed scene code wrote. Reading its index here, in bounded
Python over a fixed path of boxes, keeps untrusted bytes out of ffprobe's demuxers and costs
well under a millisecond; starting ffprobe costs about 60 ms of CPU on these machines (mostly
loading ffmpeg's libraries), paid for every chunk while the cores are busy rendering.

`faststart` moves the index (`moov`) before the media (`mdat`), as ffmpeg's `+faststart` does,
so a browser starts playing before it has the whole file: every chunk offset in the index
shifts by the size of the moved box, and no media byte changes.
"""

from __future__ import annotations

import contextlib
import shutil
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from renderers.errors import StitchError

MOOV_MAX_BYTES = 16 << 20  # an index this large is not one of ours: refuse it
_HEADER = struct.Struct(">I4s")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_H264 = ("avc1", "avc3")
_TRACK_PATH = ("mdia", "minf", "stbl")
Buf = bytes | bytearray


class Mp4Error(StitchError):
    """The file is not an MP4 this module can read (malformed, or a layout it does not do)."""


@dataclass(frozen=True)
class Box:
    kind: str
    start: int  # offset of the box header
    body: int  # offset of the box's payload
    end: int  # offset just past the box


@dataclass(frozen=True)
class TrackInfo:
    """A video track as its index describes it (no frame is decoded)."""

    codec: str
    width: int
    height: int
    fps: Fraction
    frames: int


def top_level(path: Path) -> list[Box]:
    """The file's top-level boxes, in file order (reads their headers only)."""
    size = path.stat().st_size
    found: list[Box] = []
    with path.open("rb") as f:
        offset = 0
        while offset + _HEADER.size <= size:
            f.seek(offset)
            box = header(f.read(16), 0, size - offset, path.name)
            found.append(Box(box.kind, offset, offset + box.body, offset + box.end))
            offset += box.end
    return found


def top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order."""
    return [box.kind for box in top_level(path)]


def is_faststart(path: Path) -> bool:
    kinds = top_level_boxes(path)
    return "moov" in kinds and "mdat" in kinds and kinds.index("moov") < kinds.index("mdat")


@contextlib.contextmanager
def malformed(name: str) -> Iterator[None]:
    """Arithmetic on a damaged index fails as an Mp4Error, never as another exception."""
    try:
        yield
    except (IndexError, struct.error, ValueError, OverflowError) as e:
        raise Mp4Error(f"{name}: malformed MP4 ({e})") from e


def video_track(path: Path) -> TrackInfo:
    """Codec, size, frame rate and frame count of the file's first video track."""
    with malformed(path.name):
        return _video_track(path)


def _video_track(path: Path) -> TrackInfo:
    moov, root = read_moov(path)
    for trak in children(moov, root.body, root.end, "trak"):
        stbl = _descend(moov, trak, _TRACK_PATH)
        hdlr = _descend(moov, trak, ("mdia", "hdlr"))
        if (
            stbl is not None
            and hdlr is not None
            and moov[hdlr.body + 8 : hdlr.body + 12] == b"vide"
        ):
            return _track_info(moov, trak, stbl, path)
    raise Mp4Error(f"{path.name} has no video track")


def faststart(src: Path, dst: Path) -> Path:
    """Writes src to dst with its `moov` before the first `mdat` (a plain copy if it already is).

    Raises Mp4Error when src has no single moov, or when a shifted 32-bit chunk offset would
    overflow (a file over 4 GiB): the caller then remuxes with ffmpeg instead.
    """
    with malformed(src.name):
        return _faststart(src, dst)


def _faststart(src: Path, dst: Path) -> Path:
    boxes = top_level(src)
    moovs = [b for b in boxes if b.kind == "moov"]
    mdats = [b for b in boxes if b.kind == "mdat"]
    if len(moovs) != 1 or not mdats:
        raise Mp4Error(f"{src.name}: expected one moov and an mdat")
    moov_box, first_mdat = moovs[0], mdats[0]
    if moov_box.start < first_mdat.start:
        shutil.copyfile(src, dst)
        return dst
    data, root = read_moov(src, boxes)
    moov = bytearray(data)
    _shift_chunk_offsets(moov, root, (first_mdat.start, moov_box.start), len(moov), src.name)
    with src.open("rb") as f, dst.open("wb") as out:
        for box in boxes:
            if box is first_mdat:
                out.write(moov)
            if box is not moov_box:
                f.seek(box.start)
                copy_range(f, out, box.end - box.start)
    return dst


# -- reading boxes -------------------------------------------------------------------------------


def header(buf: Buf, offset: int, limit: int, name: str) -> Box:
    """The box whose header starts at buf[offset]; limit is how many bytes it may span."""
    if len(buf) < offset + _HEADER.size:
        raise Mp4Error(f"{name}: truncated box header")
    size, raw = _HEADER.unpack_from(buf, offset)
    body = _HEADER.size
    if size == 1:  # a 64-bit size follows the type
        if len(buf) < offset + 16:
            raise Mp4Error(f"{name}: truncated box header")
        size, body = _U64.unpack_from(buf, offset + 8)[0], 16
    elif size == 0:  # the box runs to the end of its parent
        size = limit
    if size < body or size > limit:
        raise Mp4Error(f"{name} is not an MP4 (bad box at byte {offset})")
    return Box(raw.decode("latin-1"), offset, offset + body, offset + size)


def children(buf: Buf, start: int, end: int, kind: str | None = None) -> Iterator[Box]:
    offset = start
    while offset + _HEADER.size <= end:
        box = header(buf, offset, end - offset, "moov")
        if kind is None or box.kind == kind:
            yield box
        offset = box.end


def _child(buf: Buf, parent: Box, kind: str) -> Box | None:
    return next(children(buf, parent.body, parent.end, kind), None)


def _descend(buf: Buf, box: Box, path: tuple[str, ...]) -> Box | None:
    found: Box | None = box
    for kind in path:
        found = _child(buf, found, kind) if found is not None else None
    return found


def read_moov(path: Path, boxes: list[Box] | None = None) -> tuple[bytes, Box]:
    """The whole `moov` box (header included, bounded by MOOV_MAX_BYTES), and where it lies
    within those bytes; `boxes`: the file's top-level boxes, when the caller has read them."""
    moov = next((b for b in boxes or top_level(path) if b.kind == "moov"), None)
    if moov is None:
        raise Mp4Error(f"{path.name} has no moov box (not a finished MP4)")
    if moov.end - moov.start > MOOV_MAX_BYTES:
        raise Mp4Error(f"{path.name}: moov box of {moov.end - moov.start} bytes")
    with path.open("rb") as f:
        f.seek(moov.start)
        data = f.read(moov.end - moov.start)
    if len(data) != moov.end - moov.start:
        raise Mp4Error(f"{path.name}: truncated moov box")
    return data, Box("moov", 0, moov.body - moov.start, len(data))


def _full_box_u32(buf: Buf, box: Box, index: int) -> int:
    """The index-th 32-bit field after a full box's version and flags."""
    at = box.body + 4 + 4 * index
    if at + 4 > box.end:
        raise Mp4Error(f"{box.kind} box is truncated")
    return int(_U32.unpack_from(buf, at)[0])


def _track_info(buf: Buf, trak: Box, stbl: Box, path: Path) -> TrackInfo:
    name = path.name
    codec, width, height = _sample_entry(buf, stbl, name)
    frames = _sample_count(buf, stbl, path)
    return TrackInfo(codec, width, height, _frame_rate(buf, trak, stbl, name), frames)


def _sample_entry(buf: Buf, stbl: Box, name: str) -> tuple[str, int, int]:
    stsd = _child(buf, stbl, "stsd")
    if stsd is None or _full_box_u32(buf, stsd, 0) < 1:
        raise Mp4Error(f"{name}: video track without a sample description")
    entry = header(buf, stsd.body + 8, stsd.end - stsd.body - 8, name)
    # A visual sample entry: 8 bytes of reserved + data reference index, 16 of predefined
    # and reserved fields, then width and height as 16-bit numbers.
    if entry.body + 28 > entry.end:
        raise Mp4Error(f"{name}: truncated video sample entry")
    width, height = struct.unpack_from(">HH", buf, entry.body + 24)
    codec = "h264" if entry.kind in _H264 else entry.kind
    return codec, int(width), int(height)


def _sample_count(buf: Buf, stbl: Box, path: Path) -> int:
    """Samples in the track: as many as the table lists, or that fit in the file."""
    name = path.name
    stsz = _child(buf, stbl, "stsz")
    if stsz is None:
        raise Mp4Error(f"{name}: video track without sample sizes")
    size, count = _full_box_u32(buf, stsz, 0), _full_box_u32(buf, stsz, 1)
    if size == 0 and stsz.body + 12 + 4 * count > stsz.end:
        raise Mp4Error(f"{name}: truncated stsz")
    if size != 0 and size * count > path.stat().st_size:
        raise Mp4Error(f"{name}: stsz claims {count} samples of {size} bytes")
    return count


def _frame_rate(buf: Buf, trak: Box, stbl: Box, name: str) -> Fraction:
    """Timescale over the most common sample duration (ffprobe's r_frame_rate, for our files)."""
    mdhd = _descend(buf, trak, ("mdia", "mdhd"))
    stts = _child(buf, stbl, "stts")
    if mdhd is None or stts is None:
        raise Mp4Error(f"{name}: video track without timing")
    version = buf[mdhd.body]
    timescale = _full_box_u32(buf, mdhd, 4 if version == 1 else 2)
    entries = _full_box_u32(buf, stts, 0)
    if entries < 1 or stts.body + 8 + 8 * entries > stts.end or timescale == 0:
        raise Mp4Error(f"{name}: bad sample timing")
    table = bytes(buf[stts.body + 8 : stts.body + 8 + 8 * entries])
    _, delta = max(struct.iter_unpack(">II", table))  # the longest run's duration
    if delta == 0:
        raise Mp4Error(f"{name}: zero sample duration")
    return Fraction(timescale, delta)


# -- faststart -----------------------------------------------------------------------------------


def _shift_chunk_offsets(
    moov: bytearray, root: Box, moved: tuple[int, int], shift: int, name: str
) -> None:
    """Adds shift to every chunk offset in the range `moved`: the media the moov now precedes."""
    first, last = moved
    for trak in children(moov, root.body, root.end, "trak"):
        stbl = _descend(moov, trak, _TRACK_PATH)
        if stbl is None:
            continue
        for table in children(moov, stbl.body, stbl.end):
            if table.kind in ("stco", "co64"):
                _shift_table(moov, table, first, last, shift, name)


def _shift_table(moov: bytearray, table: Box, first: int, last: int, shift: int, name: str) -> None:
    field = _U32 if table.kind == "stco" else _U64
    count = _full_box_u32(moov, table, 0)
    start = table.body + 8
    if start + count * field.size > table.end:
        raise Mp4Error(f"{name}: truncated {table.kind}")
    for at in range(start, start + count * field.size, field.size):
        offset = int(field.unpack_from(moov, at)[0])
        if first <= offset < last:
            offset += shift
            if offset >= 1 << (8 * field.size):
                raise Mp4Error(f"{name}: chunk offset overflows {table.kind}")
            field.pack_into(moov, at, offset)


def copy_range(src: BinaryIO, dst: BinaryIO, length: int) -> None:
    while length > 0:
        data = src.read(min(length, 1 << 20))
        if not data:
            raise Mp4Error("file shrank while being copied")
        dst.write(data)
        length -= len(data)
