"""renderers.poster.jpeg_size: the host's only check of a poster a sandboxed job wrote."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from renderers import StitchError
from renderers.poster import jpeg_size


def _jpeg(width: int, height: int, progressive: bool = False) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, "JPEG", progressive=progressive)
    return out.getvalue()


@pytest.mark.parametrize("progressive", [False, True])
def test_size_from_the_frame_header(progressive: bool) -> None:
    assert jpeg_size(_jpeg(854, 480, progressive)) == (854, 480)
    assert jpeg_size(_jpeg(3, 2000, progressive)) == (3, 2000)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a",
        b"\xff\xd8",  # start marker only
        b"\xff\xd8\xff\xe0\x00\x01",  # a segment length below its own size
        b"\xff\xd8\x00\x00\x00\x00",  # no marker
        b"\xff\xd8\xff\xda\x00\x04ab",  # scan data before any frame header
        _jpeg(16, 16)[:20],  # cut before the frame header
        b"\xff\xd8" + b"\x00" * (9 << 20),  # too big
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    with pytest.raises(StitchError, match="JPEG"):
        jpeg_size(data)
