"""cluster.delivery.storage.digests: one read gives the whole-file and per-part digests S3
reports."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cluster.delivery.storage.digests import digests, file_sha256


def test_whole_file_digests(tmp_path: Path) -> None:
    data = os.urandom(3000)
    (tmp_path / "f").write_bytes(data)
    d = digests(tmp_path / "f")
    assert (d.size, d.parts) == (3000, ())
    assert d.sha256_hex == hashlib.sha256(data).hexdigest() == file_sha256(tmp_path / "f")
    assert base64.b64decode(d.sha256_b64) == hashlib.sha256(data).digest()
    assert d.single_etag == hashlib.md5(data).hexdigest()


def test_parts_cover_the_file_in_order(tmp_path: Path) -> None:
    data = os.urandom(2500)
    (tmp_path / "f").write_bytes(data)
    d = digests(tmp_path / "f", part_bytes=1000)
    assert [(p.number, p.offset, p.size) for p in d.parts] == [
        (1, 0, 1000),
        (2, 1000, 1000),
        (3, 2000, 500),
    ]
    for p in d.parts:
        chunk = data[p.offset : p.offset + p.size]
        assert base64.b64decode(p.sha256_b64) == hashlib.sha256(chunk).digest()
        assert p.md5_hex == hashlib.md5(chunk).hexdigest()
    assert d.sha256_hex == hashlib.sha256(data).hexdigest()
    assert d.multipart_etag.endswith("-3")
    assert d.multipart_etag != d.single_etag


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    d = digests(tmp_path / "f", part_bytes=1000)
    assert (d.size, d.parts, d.sha256_hex) == (0, (), hashlib.sha256(b"").hexdigest())
