"""Joining MP4 parts of one encoding by stream copy, in plain Python.

What ffmpeg's concat demuxer with `-c copy` does for the farm's chunks and scene videos: one
H.264 track, the same codec configuration, timescale and edit in every part. Each part's
samples follow the previous part's (decode times run on, composition offsets and sync samples
carry over) and the index is rebuilt in front of the media (`faststart`); no media byte
changes. Starting ffmpeg costs about 60 ms of CPU here, once per scene and once per lesson.

Anything this does not know (audio, other boxes, more than one media box) raises
JoinUnsupported, and the caller joins with ffmpeg instead.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from renderers.mp4 import (
    Box,
    Mp4Error,
    children,
    copy_range,
    header,
    malformed,
    read_moov,
    top_level,
)

CONTAINERS = {"moov", "trak", "mdia", "minf", "stbl", "edts"}
KNOWN = {
    "moov": {"mvhd", "trak", "udta"},
    "trak": {"tkhd", "edts", "mdia"},
    "mdia": {"mdhd", "hdlr", "minf"},
    "minf": {"vmhd", "dinf", "stbl"},
    "stbl": {"stsd", "stts", "ctts", "stss", "stsc", "stsz", "stco"},
    "edts": {"elst"},
}
OFFSET_LIMIT = 1 << 32  # 32-bit chunk offsets only (larger joins go to ffmpeg)
MAX_SAMPLES = 1_000_000  # per join (over 4 hours at 60 fps): more is left to ffmpeg


class JoinUnsupported(Mp4Error):
    """These parts are not ones this module joins: use ffmpeg."""


@dataclass
class Node:
    kind: str
    payload: bytes = b""  # a leaf's body (after its 8-byte header)
    kids: list[Node] = field(default_factory=list)

    def find(self, *path: str) -> Node:
        node = self
        for kind in path:
            found = [k for k in node.kids if k.kind == kind]
            if len(found) != 1:
                raise JoinUnsupported(f"expected one {kind} box in {node.kind}")
            node = found[0]
        return node

    def has(self, kind: str) -> bool:
        return any(k.kind == kind for k in self.kids)

    def encode(self) -> bytes:
        body = b"".join(k.encode() for k in self.kids) if self.kind in CONTAINERS else self.payload
        return struct.pack(">I4s", 8 + len(body), self.kind.encode("latin-1")) + body


@dataclass
class _Part:
    moov: Node
    data: tuple[int, int]  # where the media box's payload lies in the file
    ftyp: bytes
    offsets: list[int]  # its chunk offsets, as read


def join(parts: Sequence[Path], out: Path) -> Path:
    """Writes the parts, one after the other, as one faststart MP4 at out."""
    with malformed(out.name):
        return _join(parts, out)


def _join(parts: Sequence[Path], out: Path) -> Path:
    read = [_part(p) for p in parts]
    moov = _joined_index(read)
    head = read[0].ftyp
    sizes = [end - start for start, end in (p.data for p in read)]
    moov_bytes = moov.encode()
    data_start = len(head) + len(moov_bytes) + 8
    if data_start + sum(sizes) >= OFFSET_LIMIT:
        raise JoinUnsupported("joined file over 4 GiB")
    _fill_offsets(moov, read, data_start)
    moov_bytes = moov.encode()  # same size: offsets are fixed-width
    with out.open("wb") as f:
        f.write(head + moov_bytes + struct.pack(">I4s", 8 + sum(sizes), b"mdat"))
        for path, part in zip(parts, read, strict=True):
            with path.open("rb") as src:
                src.seek(part.data[0])
                copy_range(src, f, part.data[1] - part.data[0])
    return out


# -- reading parts -----------------------------------------------------------------------------


def _part(path: Path) -> _Part:
    boxes = top_level(path)
    kinds = [b.kind for b in boxes]
    if kinds.count("mdat") != 1 or kinds.count("moov") != 1 or kinds[0] != "ftyp":
        raise JoinUnsupported(f"{path.name}: boxes {kinds}")
    if set(kinds) - {"ftyp", "free", "mdat", "moov"}:
        raise JoinUnsupported(f"{path.name}: boxes {kinds}")
    mdat = boxes[kinds.index("mdat")]
    data, root = read_moov(path, boxes)
    with path.open("rb") as f:
        ftyp = f.read(boxes[0].end)
    moov = _tree(data, root, "moov")
    stbl = moov.find("trak", "mdia", "minf", "stbl")
    if not stbl.has("stco"):
        raise JoinUnsupported(f"{path.name}: no 32-bit chunk offsets")
    offsets = [o for (o,) in _table(stbl.find("stco"), 1)]
    # The joined index keeps each part's sample sizes: ones that cannot lie in its media box
    # (a damaged or forged stsz) would make a file no player can read.
    if sum(_sizes(stbl.find("stsz"))) > mdat.end - mdat.body:
        raise JoinUnsupported(f"{path.name}: samples larger than its media data")
    return _Part(moov, (mdat.body, mdat.end), ftyp, offsets)


def _tree(buf: bytes, box: Box, kind: str) -> Node:
    node = Node(kind)
    for child in children(buf, box.body, box.end):
        if child.kind not in KNOWN[kind]:
            raise JoinUnsupported(f"a {child.kind} box in {kind}")
        if child.body - child.start != 8:
            raise JoinUnsupported(f"a 64-bit {child.kind} box")
        if child.kind in CONTAINERS:
            node.kids.append(_tree(buf, child, child.kind))
        else:
            node.kids.append(Node(child.kind, bytes(buf[child.body : child.end])))
    return node


def _u32s(payload: bytes, start: int, count: int) -> list[int]:
    if start + 4 * count > len(payload):
        raise JoinUnsupported("truncated table")
    return list(struct.unpack_from(f">{count}I", payload, start))


def _table(node: Node, width: int) -> list[tuple[int, ...]]:
    """A full box's entries of `width` 32-bit fields each."""
    if len(node.payload) < 8:
        raise JoinUnsupported(f"truncated {node.kind}")
    (count,) = struct.unpack_from(">I", node.payload, 4)
    flat = _u32s(node.payload, 8, count * width)
    return [tuple(flat[i : i + width]) for i in range(0, len(flat), width)]


def _full(version_flags: bytes, rows: Sequence[Sequence[int]]) -> bytes:
    """A full box's body: its version and flags, the entry count, the entries."""
    flat = [v for row in rows for v in row]
    return version_flags + struct.pack(f">I{len(flat)}I", len(rows), *flat)


# -- the joined index ---------------------------------------------------------------------------


def _joined_index(parts: list[_Part]) -> Node:
    first = parts[0].moov
    traks = [p.moov.kids for p in parts]
    if any(sum(k.kind == "trak" for k in kids) != 1 for kids in traks):
        raise JoinUnsupported("parts with other than one track")
    stsd = {_without_bitrate(p.moov.find("trak", "mdia", "minf", "stbl", "stsd")) for p in parts}
    if len(stsd) != 1:
        raise JoinUnsupported("parts with different codec configurations")
    _same(parts, ("trak", "mdia", "hdlr"), "track types")
    if first.find("trak", "mdia", "hdlr").payload[8:12] != b"vide":
        raise JoinUnsupported("not a video track")
    stbls = [p.moov.find("trak", "mdia", "minf", "stbl") for p in parts]
    joined = first.find("trak", "mdia", "minf", "stbl")
    chunks = sum(len(p.offsets) for p in parts)
    placeholder = Node("stco", _full(bytes(4), [(0,)] * chunks))  # _fill_offsets fills it in
    samples = _samples(stbls, _delays(parts))
    joined.kids = [Node("stsd", stsd.pop()), *samples, _chunks(stbls), placeholder]
    _sum_durations(first, [p.moov for p in parts])
    return first


def _without_bitrate(stsd: Node) -> bytes:
    """The sample description without its bitrate box (`btrt`): each part has its own, and a
    joined file's would be another; it is optional, and players do not need it."""
    body = stsd.payload
    if len(body) < 8 or struct.unpack_from(">I", body, 4)[0] != 1:
        raise JoinUnsupported("a sample description of other than one entry")
    entry = header(body, 8, len(body) - 8, "stsd")
    visual_end = entry.body + 78  # the fields of a visual sample entry, before its boxes
    if entry.end != len(body) or visual_end > entry.end:
        raise JoinUnsupported("an unexpected sample description")
    boxes = [b for b in children(body, visual_end, entry.end) if b.kind != "btrt"]
    inner = body[entry.body : visual_end] + b"".join(body[b.start : b.end] for b in boxes)
    return body[:8] + struct.pack(">I", 8 + len(inner)) + body[entry.start + 4 : entry.body] + inner


def _same(parts: list[_Part], path: tuple[str, ...], what: str) -> None:
    if len({p.moov.find(*path).payload for p in parts}) != 1:
        raise JoinUnsupported(f"parts with different {what}")


def _delays(parts: list[_Part]) -> list[int]:
    """Each part's edit: where its presentation starts in its media (x264's B-frame delay;
    0 without an edit list). Only one plain entry at normal rate is known here."""
    delays = []
    for part in parts:
        trak = part.moov.find("trak")
        if not trak.has("edts"):
            delays.append(0)
            continue
        elst = trak.find("edts", "elst")
        rows = _table(elst, 3)
        if elst.payload[0] != 0 or len(rows) != 1 or rows[0][2] != 0x10000:
            raise JoinUnsupported("an edit list of other than one plain entry")
        if rows[0][1] >= 1 << 31:
            raise JoinUnsupported("an empty edit")
        delays.append(rows[0][1])
    return delays


def _samples(stbls: list[Node], delays: list[int]) -> list[Node]:
    """stts, ctts, stss and stsz of all parts, one after the other."""
    flags = stbls[0].find("stts").payload[:4]
    stts = [row for s in stbls for row in _table(s.find("stts"), 2)]
    sizes: list[int] = []
    sync: list[int] = []
    for stbl in stbls:
        before = len(sizes)
        sizes += _sizes(stbl.find("stsz"))
        if len(sizes) > MAX_SAMPLES:
            raise JoinUnsupported(f"over {MAX_SAMPLES} samples")
        if stbl.has("stss"):
            sync += [n + before for (n,) in _table(stbl.find("stss"), 1)]
        else:
            sync += range(before + 1, len(sizes) + 1)
    if sum(n for n, _ in stts) != len(sizes):
        raise JoinUnsupported("sample timing and sizes disagree")
    nodes = [Node("stts", _full(flags, stts))]
    if any(s.has("ctts") for s in stbls) or len(set(delays)) > 1:
        nodes.append(_ctts(stbls, delays))
    if any(s.has("stss") for s in stbls):
        nodes.append(Node("stss", _full(flags, [(n,) for n in sync])))
    nodes.append(Node("stsz", flags + struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes)))
    return nodes


def _sizes(stsz: Node) -> list[int]:
    if len(stsz.payload) < 12:
        raise JoinUnsupported("truncated stsz")
    size, count = struct.unpack_from(">II", stsz.payload, 4)
    if count > MAX_SAMPLES:
        raise JoinUnsupported(f"over {MAX_SAMPLES} samples")
    return [size] * count if size else _u32s(stsz.payload, 12, count)


def _ctts(stbls: list[Node], delays: list[int]) -> Node:
    """Composition offsets of all parts, each part's shifted so that it starts where the first
    part's edit says (a part without B-frames has no delay, and no offsets of its own)."""
    heads = {s.find("ctts").payload[:4] for s in stbls if s.has("ctts")} or {bytes(4)}
    if len(heads) != 1:
        raise JoinUnsupported("composition offsets of different versions")
    rows: list[tuple[int, ...]] = []
    for stbl, delay in zip(stbls, delays, strict=True):
        shift = delays[0] - delay
        if stbl.has("ctts"):
            own = _table(stbl.find("ctts"), 2)
        else:
            own = [(len(_sizes(stbl.find("stsz"))), 0)]
        rows += [(n, offset + shift) for n, offset in own]
    if any(not 0 <= offset < 1 << 31 for _, offset in rows):
        raise JoinUnsupported("composition offsets out of range")
    return Node("ctts", _full(heads.pop(), rows))


def _chunks(stbls: list[Node]) -> Node:
    """stsc of all parts (chunk numbers run on); stco comes after, once offsets are known."""
    rows: list[tuple[int, ...]] = []
    chunks = 0
    for stbl in stbls:  # each part's stsc and stco, read before the joined index replaces them
        rows += [(c + chunks, n, d) for c, n, d in _table(stbl.find("stsc"), 3)]
        chunks += len(_table(stbl.find("stco"), 1))
    return Node("stsc", _full(stbls[0].find("stsc").payload[:4], rows))


def _fill_offsets(moov: Node, parts: list[_Part], data_start: int) -> None:
    stbl = moov.find("trak", "mdia", "minf", "stbl")
    offsets: list[int] = []
    at = data_start
    for part in parts:
        start, end = part.data
        for offset in part.offsets:
            if not start <= offset < end:
                raise JoinUnsupported("a chunk outside the media box")
            offsets.append(at + offset - start)
        at += end - start
    stbl.find("stco").payload = _full(bytes(4), [(o,) for o in offsets])


def _sum_durations(first: Node, moovs: list[Node]) -> None:
    """The track's media duration is the parts' summed; the movie's, the track header's and the
    edit's are that, in the movie's timescale (rounded once, not once per part)."""
    paths = (("mvhd",), ("trak", "tkhd"), ("trak", "mdia", "mdhd"))
    if any(first.find(*path).payload[0] != 0 for path in paths):
        raise JoinUnsupported("a version 1 header")
    media = sum(_u32_at(m.find("trak", "mdia", "mdhd"), 16) for m in moovs)
    movie_scale = _u32_at(first.find("mvhd"), 12)
    media_scale = _u32_at(first.find("trak", "mdia", "mdhd"), 12)
    if not media_scale:
        raise JoinUnsupported("a zero timescale")
    movie = round(media * movie_scale / media_scale)
    _put_u32(first.find("trak", "mdia", "mdhd"), 16, media)
    _put_u32(first.find("mvhd"), 16, movie)
    _put_u32(first.find("trak", "tkhd"), 20, movie)
    if first.find("trak").has("edts"):
        _put_u32(first.find("trak", "edts", "elst"), 8, movie)


def _u32_at(node: Node, at: int) -> int:
    if at + 4 > len(node.payload):
        raise JoinUnsupported(f"truncated {node.kind}")
    return int(struct.unpack_from(">I", node.payload, at)[0])


def _put_u32(node: Node, at: int, value: int) -> None:
    if value >= OFFSET_LIMIT:
        raise JoinUnsupported("a duration over 32 bits")
    node.payload = node.payload[:at] + struct.pack(">I", value) + node.payload[at + 4 :]
