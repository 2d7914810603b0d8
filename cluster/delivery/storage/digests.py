"""Digests of a file as S3 reports them, computed in one read: to send and to verify."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

_READ_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Part:
    number: int  # 1-based, as S3 numbers parts
    offset: int
    size: int
    sha256_b64: str  # x-amz-checksum-sha256 of this part
    md5_hex: str  # its ETag


@dataclass(frozen=True)
class Digests:
    size: int
    sha256_hex: str  # of the whole file: our content hash, kept in the object's metadata
    sha256_b64: str
    md5_hex: str
    parts: tuple[Part, ...]  # empty: uploaded in one PUT

    @property
    def single_etag(self) -> str:
        return self.md5_hex

    @property
    def multipart_etag(self) -> str:
        """S3's ETag of a multipart object: MD5 of the parts' MD5s, dash, part count."""
        joined = b"".join(bytes.fromhex(p.md5_hex) for p in self.parts)
        return f"{hashlib.md5(joined, usedforsecurity=False).hexdigest()}-{len(self.parts)}"

    @property
    def composite_sha256_b64(self) -> str:
        """S3's SHA-256 checksum of a multipart object: SHA-256 over the parts' digests."""
        joined = b"".join(base64.b64decode(p.sha256_b64) for p in self.parts)
        return _b64(hashlib.sha256(joined).digest())


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_READ_BYTES):
            digest.update(block)
    return digest.hexdigest()


def digests(path: Path, part_bytes: int | None = None) -> Digests:
    """Whole-file digests, plus per-part ones when `part_bytes` is given."""
    whole, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    parts: list[Part] = []
    size = 0
    with path.open("rb") as f:
        while data := f.read(part_bytes or _READ_BYTES):
            whole.update(data)
            md5.update(data)
            if part_bytes:
                parts.append(_part(len(parts) + 1, size, data))
            size += len(data)
    return Digests(size, whole.hexdigest(), _b64(whole.digest()), md5.hexdigest(), tuple(parts))


def _part(number: int, offset: int, data: bytes) -> Part:
    sha = _b64(hashlib.sha256(data).digest())
    return Part(
        number, offset, len(data), sha, hashlib.md5(data, usedforsecurity=False).hexdigest()
    )
