"""E9: a chunk whose MP4 index is forged: a well-formed video track that claims 2^31 frames.

The host reads chunk indexes itself (renderers.mp4); a count the file cannot hold is refused.
"""

import pathlib
import struct

from manim import Circle, Create, Scene


def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind, payload):
    return box(kind, b"\x00\x00\x00\x00" + payload)


def forged():
    entry = box(b"avc1", bytes(24) + struct.pack(">HH", 854, 480) + bytes(50))
    stbl = box(
        b"stbl",
        full(b"stsd", struct.pack(">I", 1) + entry)
        + full(b"stts", struct.pack(">III", 1, 1 << 31, 1024))
        + full(b"stsz", struct.pack(">II", 1, 1 << 31)),
    )
    mdia = box(
        b"mdia",
        full(b"mdhd", struct.pack(">IIII", 0, 0, 15360, 0))
        + full(b"hdlr", bytes(4) + b"vide" + bytes(12))
        + box(b"minf", stbl),
    )
    return box(b"ftyp", b"isom") + box(b"mdat", b"x" * 64) + box(b"moov", box(b"trak", mdia))


def forge(movie, target):
    pathlib.Path(target).write_bytes(forged())
    return pathlib.Path(target)


class OutputForgedIndex(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = forge
