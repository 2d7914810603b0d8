"""ChunkCache with a remote tier (here another directory, through the local backend): misses
are filled from it, new chunks go to it, and failed uploads are kept and retried later."""

from __future__ import annotations

import json
from pathlib import Path

from cluster.delivery.storage import LocalStorage, UploadFailed
from cluster.farm.cache import ChunkCache
from cluster.farm.remote_chunks import RemoteChunks

KEY = "ab" + "0" * 62
INFO = {"frames": 30, "render_s": 1.25}


def _cache(root: Path, store: Path) -> ChunkCache:
    return ChunkCache(root, RemoteChunks(LocalStorage(store)))


def test_new_chunks_are_shared_and_fill_other_caches(tmp_path: Path) -> None:
    first = _cache(tmp_path / "one", tmp_path / "shared")
    first.put(KEY, b"chunk bytes", INFO)
    assert first.flush() == []
    first.close()
    remote = LocalStorage(tmp_path / "shared").head(f"chunks/{KEY}.mp4")
    assert remote is not None
    assert json.loads(remote.metadata["chunk-info"]) == INFO

    second = _cache(tmp_path / "two", tmp_path / "shared")
    hit = second.get(KEY)
    second.close()
    assert hit is not None
    assert hit[0].read_bytes() == b"chunk bytes"
    assert hit[0].is_relative_to(tmp_path / "two")
    assert {k: hit[1][k] for k in INFO} == INFO
    assert ChunkCache(tmp_path / "two").get(KEY) is not None


def test_a_remote_miss_is_a_miss(tmp_path: Path) -> None:
    cache = _cache(tmp_path / "one", tmp_path / "shared")
    assert cache.get(KEY) is None
    assert cache.flush() == []
    cache.close()


def test_a_remote_copy_without_info_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "x.mp4").write_bytes(b"foreign")
    LocalStorage(tmp_path / "shared").put(f"chunks/{KEY}.mp4", tmp_path / "x.mp4")
    cache = _cache(tmp_path / "one", tmp_path / "shared")
    assert cache.get(KEY) is None
    cache.close()
    assert not list((tmp_path / "one").rglob("*.mp4"))


def test_a_failed_upload_keeps_the_chunk_until_a_later_flush(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store's directory should be")
    cache = _cache(tmp_path / "one", blocked)
    cache.put(KEY, b"chunk bytes", INFO)
    failures = cache.flush()
    cache.close()
    assert [type(f) for f in failures] == [UploadFailed]
    assert f"chunks/{KEY}.mp4" in str(failures[0])
    assert (tmp_path / "one" / "pending-upload" / KEY).exists()

    blocked.unlink()  # the store is reachable again: the next run's flush uploads it
    later = _cache(tmp_path / "one", blocked)
    assert later.flush() == []
    later.close()
    assert (blocked / "chunks" / f"{KEY}.mp4").read_bytes() == b"chunk bytes"
    assert not (tmp_path / "one" / "pending-upload" / KEY).exists()


def test_a_chunk_is_uploaded_once(tmp_path: Path) -> None:
    cache = _cache(tmp_path / "one", tmp_path / "shared")
    cache.put(KEY, b"chunk bytes", INFO)
    cache.flush()
    stored = (tmp_path / "shared" / "chunks" / f"{KEY}.mp4").stat().st_mtime_ns
    assert cache.get(KEY) is not None
    assert cache.flush() == []
    cache.close()
    assert not (tmp_path / "one" / "pending-upload" / KEY).exists()
    assert (tmp_path / "shared" / "chunks" / f"{KEY}.mp4").stat().st_mtime_ns == stored


def test_an_unreadable_store_is_asked_once_then_skipped(tmp_path: Path) -> None:
    store = tmp_path / "shared"
    (tmp_path / "x.mp4").write_bytes(b"chunk")
    LocalStorage(store).put(f"chunks/{KEY}.mp4", tmp_path / "x.mp4", {"chunk-info": "{}"})
    (store / "chunks" / f"{KEY}.mp4").write_bytes(b"CHUNK")  # same size, other bytes
    other = "cd" + "1" * 62
    (tmp_path / "y.mp4").write_bytes(b"chunk")
    LocalStorage(store).put(
        f"chunks/{other}.mp4", tmp_path / "y.mp4", {"chunk-info": json.dumps(INFO)}
    )
    cache = _cache(tmp_path / "one", store)
    assert cache.get(KEY) is None  # unreadable: a miss, and the store is not asked again
    assert cache.get(other) is None
    cache.close()
    assert _cache(tmp_path / "two", store).get(other) is not None


PLAN = [[0, 2, 0.0], [3, 5, 0.0]]


def test_plans_are_shared_so_other_farms_cut_the_same_chunks(tmp_path: Path) -> None:
    first = _cache(tmp_path / "one", tmp_path / "shared")
    first.put_plan(KEY, PLAN)
    first.close()
    second = _cache(tmp_path / "two", tmp_path / "shared")
    assert second.get_plan(KEY) == PLAN
    second.close()
    assert ChunkCache(tmp_path / "two").get_plan(KEY) == PLAN  # now local too


def test_a_plan_made_before_the_store_was_configured_is_shared_when_used(tmp_path: Path) -> None:
    ChunkCache(tmp_path / "one").put_plan(KEY, PLAN)  # no remote tier yet
    first = _cache(tmp_path / "one", tmp_path / "shared")
    assert first.get_plan(KEY) == PLAN
    first.close()
    assert _cache(tmp_path / "two", tmp_path / "shared").get_plan(KEY) == PLAN


def test_the_first_plan_stored_stays(tmp_path: Path) -> None:
    first = _cache(tmp_path / "one", tmp_path / "shared")
    first.put_plan(KEY, PLAN)
    first.close()
    other = _cache(tmp_path / "two", tmp_path / "shared")
    other.put_plan(KEY, [[0, 5, 0.0]])
    other.close()
    assert _cache(tmp_path / "three", tmp_path / "shared").get_plan(KEY) == PLAN
