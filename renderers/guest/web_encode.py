"""Encoding captured frames the way the Manim chunks are encoded, so they join by stream copy.

Manim (through PyAV) writes each animation as its own MP4 (libx264, yuv420p, crf 23, the
preset's size and rate, frame pts counted at 1/fps) and joins them by remuxing. Here a
"segment" of a web scene (a fixed run of frames) plays the animation's part: each segment is
encoded by its own encoder, so its bytes do not depend on which chunk it was rendered in, and
a chunk is its segments remuxed. Standard library, PyAV and Pillow only (inside the sandbox).
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from PIL import Image

CODEC = "libx264"
PIX_FMT = "yuv420p"
OPTIONS = {"crf": "23"}  # Manim's default options for libx264
COMMENT = "Rendered with scenefarm web"


class SegmentEncoder:
    """One segment's MP4, written frame by frame."""

    def __init__(self, path: Path, width: int, height: int, fps: int) -> None:
        self.path = path
        self.fps = fps
        self.container: Any = av.open(str(path), mode="w", format="mp4")
        stream: Any = self.container.add_stream(CODEC, rate=Fraction(fps), options=dict(OPTIONS))
        stream.pix_fmt = PIX_FMT
        stream.width = width
        stream.height = height
        self.stream = stream
        self.pts = 0

    def write(self, frame: Any) -> None:
        """Encodes one picture (a VideoFrame, as decode_png makes them; it may repeat)."""
        frame.pts = self.pts
        frame.time_base = Fraction(1, self.fps)
        self.pts += 1
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def finish(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()


class PngDecoder:
    """PNG -> VideoFrame with libavcodec's decoder: about 6x faster here than going through
    Pillow and VideoFrame.from_image, and the picture the encoder gets is the same."""

    def decode(self, png: bytes) -> Any:
        # A fresh decoder per picture: one kept across pictures mixes each with the last
        # (it decodes them as frames of one animated stream). Opening one costs nothing.
        codec: Any = av.CodecContext.create("png", "r")
        frames = codec.decode(av.Packet(png))
        if len(frames) != 1:
            raise ValueError(f"a capture decoded to {len(frames)} pictures")
        return frames[0]


def save_poster(frame: Any, path: Path, quality: int) -> None:
    image: Image.Image = frame.to_image()
    image.convert("RGB").save(path, "JPEG", quality=quality)


def join_segments(segments: list[Path], out: Path) -> None:
    """Remuxes the segments into one MP4, as Manim joins its partial movies."""
    manifest = "".join(f"file 'file:{p.resolve().as_posix()}'\n" for p in segments)
    source: Any = av.open(
        io.BytesIO(manifest.encode()), format="concat", options={"safe": "0", "an": "1"}
    )
    template = source.streams.video[0]
    target: Any = av.open(str(out), mode="w")
    target.metadata["comment"] = COMMENT
    stream = target.add_stream_from_template(template=template)
    for packet in source.demux(template):
        if packet.dts is None:
            continue
        packet.dts = None  # consecutive files restart their timestamps: let libav compute it
        packet.stream = stream
        target.mux(packet)
    source.close()
    target.close()
