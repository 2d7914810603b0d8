"""F1/F5: a zlib bomb (8 GiB of zeros in about a megabyte) inflated in one call."""

import struct
import zlib

from manim import Scene


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


class AssetZlibBomb(Scene):
    def construct(self):
        data = zlib.decompress(zeros_zlib(1 << 20, 8192))
        raise RuntimeError(f"ESCAPED: inflated {len(data)} bytes")
