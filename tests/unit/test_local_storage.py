"""The local storage backend on a real temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.delivery.storage import (
    InvalidKey,
    LocalStorage,
    ObjectMissing,
    PrivateKey,
    StorageConfig,
    UploadFailed,
    open_storage,
)
from cluster.delivery.storage.digests import file_sha256

VIDEO = "lessons/l1/v1/lesson.mp4"
SOURCE = "lessons/l1/scenes/1/v1/scene.py"


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".partial")]


def test_put_head_get_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "artifacts")
    src = _file(tmp_path / "v.mp4", b"video bytes" * 100)
    stored = storage.put(VIDEO, src, {"scene": "Intro"})
    assert (stored.size, stored.sha256) == (1100, file_sha256(src))
    assert storage.head(VIDEO) == stored
    got = storage.get(VIDEO, tmp_path / "copy.mp4")
    assert (tmp_path / "copy.mp4").read_bytes() == src.read_bytes()
    assert got.metadata == {"scene": "Intro"}
    assert (tmp_path / "artifacts" / VIDEO).read_bytes() == src.read_bytes()
    assert _leftovers(tmp_path) == []


def test_missing_objects(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    assert storage.head(VIDEO) is None
    with pytest.raises(ObjectMissing, match=r"lesson\.mp4 does not exist"):
        storage.get(VIDEO, tmp_path / "x.mp4")
    storage.delete(VIDEO)  # absent is fine


def test_a_file_without_its_metadata_is_not_an_object(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put(VIDEO, _file(tmp_path / "v.mp4", b"abc"))
    (tmp_path / VIDEO).write_bytes(b"abcd")  # e.g. a crash between the file and its metadata
    assert storage.head(VIDEO) is None


def test_urls(tmp_path: Path) -> None:
    plain = LocalStorage(tmp_path / "a")
    assert plain.url(VIDEO) == (tmp_path / "a" / VIDEO).as_uri()
    public = LocalStorage(tmp_path / "a", "https://farm.example.com/base/")
    assert public.url(VIDEO) == f"https://farm.example.com/base/artifacts/{VIDEO}"
    with pytest.raises(PrivateKey):
        public.url(SOURCE)


def test_open_public_serves_only_public_objects(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put(VIDEO, _file(tmp_path / "v.mp4", b"v"))
    storage.put(SOURCE, _file(tmp_path / "s.py", b"code"))
    assert storage.open_public(VIDEO).read_bytes() == b"v"
    with pytest.raises(PrivateKey):
        storage.open_public(SOURCE)
    with pytest.raises(ObjectMissing):
        storage.open_public("lessons/l1/v2/lesson.mp4")
    with pytest.raises(InvalidKey):
        storage.open_public("lessons/../../etc/passwd")
    with pytest.raises(InvalidKey):
        storage.open_public(".meta/" + VIDEO + ".json")


def test_a_blocked_directory_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "lessons").write_text("a file where a directory should be")
    with pytest.raises(UploadFailed, match=r"upload of file://.*/lessons/l1/v1/lesson\.mp4 failed"):
        LocalStorage(tmp_path).put(VIDEO, _file(tmp_path / "v.mp4", b"v"))
    assert _leftovers(tmp_path) == []


def test_the_factory_picks_local_by_default(tmp_path: Path) -> None:
    storage = open_storage(StorageConfig(local_root=tmp_path, public_url="http://127.0.0.1:8000"))
    assert isinstance(storage, LocalStorage)
    assert not storage.shared
    assert storage.url(VIDEO) == f"http://127.0.0.1:8000/artifacts/{VIDEO}"
