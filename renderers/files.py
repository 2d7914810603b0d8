"""Writing files so that a reader never sees a partial one: every write goes to a fresh name
beside its destination and is renamed over it when complete; on failure it is removed, so a
truncated file can never be taken for a finished one (a cache hit, a published video)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def partial_path(dest: Path) -> Iterator[Path]:
    """A new, unique path beside `dest` (same suffix, so tools pick the same format), renamed
    over `dest` when the block ends; removed if the block raises or leaves nothing there."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{dest.stem}.", suffix=f".partial{dest.suffix}", dir=dest.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(path: Path, data: bytes) -> None:
    """`data` under `path`, synced before the rename."""
    with partial_path(path) as tmp, tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_copy(src: Path, dest: Path) -> Path:
    with partial_path(dest) as tmp:
        shutil.copyfile(src, tmp)
    return dest
