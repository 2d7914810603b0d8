"""cluster.farm.cache.ChunkCache on a real temporary directory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import cluster.farm.cache as cache_module
import renderers.files as files_module
from cluster.farm.cache import ChunkCache

KEY = "ab" + "0" * 62
OTHER = "cd" + "1" * 62


def _partials(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".partial")]


def test_put_then_get_round_trip(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    data = b"\x00\x01mp4 bytes" * 100
    stored = cache.put(KEY, data, {"frames": 30, "render_s": 1.25})
    hit = cache.get(KEY)
    assert hit is not None
    video, info = hit
    assert video == stored
    assert video.read_bytes() == data
    assert info == {"frames": 30, "render_s": 1.25, "bytes": len(data)}
    assert video.is_relative_to(tmp_path)
    assert _partials(tmp_path) == []


def test_unknown_key_is_a_miss(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    assert cache.get(KEY) is None
    cache.put(KEY, b"x", {})
    assert cache.get(OTHER) is None


def test_empty_chunk_round_trips(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    cache.put(KEY, b"", {})
    hit = cache.get(KEY)
    assert hit is not None
    assert hit[0].read_bytes() == b""


def test_put_overwrites(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    cache.put(KEY, b"old", {"v": 1})
    cache.put(KEY, b"newer", {"v": 2})
    hit = cache.get(KEY)
    assert hit is not None
    assert hit[0].read_bytes() == b"newer"
    assert hit[1] == {"v": 2, "bytes": 5}
    assert _partials(tmp_path) == []


def test_missing_metadata_is_a_miss(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    video = cache.put(KEY, b"video", {})
    video.with_suffix(".json").unlink()
    assert video.exists()
    assert cache.get(KEY) is None


def test_missing_video_is_a_miss(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    cache.put(KEY, b"video", {}).unlink()
    assert cache.get(KEY) is None


@pytest.mark.parametrize("new_bytes", [b"vide", b"video!", b""])
def test_size_mismatch_is_a_miss(tmp_path: Path, new_bytes: bytes) -> None:
    cache = ChunkCache(tmp_path)
    video = cache.put(KEY, b"video", {})
    video.write_bytes(new_bytes)  # truncated or grown behind the cache's back
    assert cache.get(KEY) is None


def test_corrupt_metadata_is_a_miss(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    video = cache.put(KEY, b"video", {})
    video.with_suffix(".json").write_text('{"bytes": 5')
    assert cache.get(KEY) is None


def test_metadata_without_size_is_a_miss(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    video = cache.put(KEY, b"video", {})
    video.with_suffix(".json").write_text('{"frames": 3}')
    assert cache.get(KEY) is None


def test_failed_write_leaves_no_partial_and_no_hit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ChunkCache(tmp_path)

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        cache.put(KEY, b"video", {})
    monkeypatch.setattr(files_module.os, "fsync", os.fsync)
    assert _partials(tmp_path) == []
    assert cache.get(KEY) is None


def test_interrupted_metadata_write_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes are written before the metadata: a crash in between must not make a hit."""
    cache = ChunkCache(tmp_path)
    real = cache_module.atomic_write
    calls: list[Path] = []

    def second_write_fails(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(cache_module, "atomic_write", second_write_fails)
    with pytest.raises(KeyboardInterrupt):
        cache.put(KEY, b"video", {})
    assert [p.suffix for p in calls] == [".mp4", ".json"]
    assert cache.get(KEY) is None


def test_json_round_trip(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    value = {"animations": [{"run_time_s": 1.0, "kinds": ["Write"]}], "n": 3}
    cache.put_json("probes", KEY, value)
    assert cache.get_json("probes", KEY) == value
    assert cache.get_json("probes", OTHER) is None
    assert cache.get_json("scene-lists", KEY) is None  # kinds are separate namespaces
    cache.put_json("scene-lists", KEY, ["Intro", "Outro"])
    assert cache.get_json("scene-lists", KEY) == ["Intro", "Outro"]
    assert cache.get_json("probes", KEY) == value
    assert _partials(tmp_path) == []


def test_json_overwrite_and_corruption(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    cache.put_json("probes", KEY, [1])
    cache.put_json("probes", KEY, [2])
    assert cache.get_json("probes", KEY) == [2]
    (tmp_path / "probes" / f"{KEY}.json").write_text("[2")
    assert cache.get_json("probes", KEY) is None


def test_json_and_chunks_do_not_collide(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    cache.put_json("probes", KEY, {"probe": True})
    cache.put(KEY, b"video", {"chunk": True})
    assert cache.get_json("probes", KEY) == {"probe": True}
    hit = cache.get(KEY)
    assert hit is not None and hit[1]["chunk"] is True


def test_stored_metadata_is_plain_json(tmp_path: Path) -> None:
    cache = ChunkCache(tmp_path)
    video = cache.put(KEY, b"abc", {"frames": 3})
    assert json.loads(video.with_suffix(".json").read_text()) == {"frames": 3, "bytes": 3}
