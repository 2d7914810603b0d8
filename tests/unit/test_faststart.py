"""renderers.poster: reading an MP4's top-level boxes to tell whether it streams."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from renderers import StitchError
from renderers.mp4 import is_faststart, top_level_boxes


def _box(kind: bytes, payload: bytes = b"", large: bool = False) -> bytes:
    if large:  # size 1: a 64-bit size follows the type
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _mp4(tmp_path: Path, *boxes: bytes) -> Path:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"".join(boxes))
    return path


def test_moov_before_mdat_streams(tmp_path: Path) -> None:
    path = _mp4(
        tmp_path, _box(b"ftyp", b"isom"), _box(b"moov", b"x" * 40), _box(b"mdat", b"y" * 99)
    )
    assert top_level_boxes(path) == ["ftyp", "moov", "mdat"]
    assert is_faststart(path)


def test_moov_at_the_end_does_not(tmp_path: Path) -> None:
    path = _mp4(tmp_path, _box(b"ftyp"), _box(b"free"), _box(b"mdat", b"y" * 99), _box(b"moov"))
    assert not is_faststart(path)


def test_large_and_open_ended_boxes(tmp_path: Path) -> None:
    open_ended = struct.pack(">I4s", 0, b"mdat") + b"z" * 50  # size 0: to the end of the file
    path = _mp4(tmp_path, _box(b"ftyp"), _box(b"moov", b"m" * 10, large=True), open_ended)
    assert top_level_boxes(path) == ["ftyp", "moov", "mdat"]
    assert is_faststart(path)


def test_no_index_is_not_faststart(tmp_path: Path) -> None:
    assert not is_faststart(_mp4(tmp_path, _box(b"ftyp"), _box(b"mdat", b"y")))


def test_garbage_is_an_error(tmp_path: Path) -> None:
    path = _mp4(tmp_path, struct.pack(">I4s", 3, b"junk") + b"rest")
    with pytest.raises(StitchError, match="not an MP4"):
        top_level_boxes(path)
