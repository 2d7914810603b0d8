"""F3: a PNG decompression bomb: 60000 x 60000 pixels in under a megabyte."""

import struct
import zlib

from manim import ImageMobject, Scene

SIDE = 60000


def zeros_zlib(size, count):
    """A zlib stream of size * count zero bytes, built in O(size): after a full flush the
    compressor starts afresh, so every further block compresses to the same bytes."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * size
    first = z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
    again = z.compress(block) + z.flush(zlib.Z_FULL_FLUSH)
    body = first + again * (count - 1) + z.flush()
    adler = ((size * count % 65521) << 16) | 1  # adler32 of zeros: a = 1, b = n mod 65521
    return b"\x78\xda" + body + struct.pack(">I", adler)


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(side, bit_depth, colour_type, row_bytes):
    header = struct.pack(">IIBBBBB", side, side, bit_depth, colour_type, 0, 0, 0)
    data = zeros_zlib(1 + row_bytes, side)  # each row: filter byte 0, then zeros
    sig = b"\x89PNG\r\n\x1a\n"
    return sig + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


class AssetPngBomb(Scene):
    def construct(self):
        with open("bomb.png", "wb") as f:
            f.write(png(SIDE, 1, 0, SIDE // 8))
        ImageMobject("bomb.png")
        raise RuntimeError("ESCAPED: decoded a 3.6 gigapixel image")
