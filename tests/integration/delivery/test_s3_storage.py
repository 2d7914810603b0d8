"""The S3 backend against moto's server over HTTP: key layout, versions, multipart uploads,
retries after injected errors, and nothing ever visible under a key whose upload failed."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import urllib.request
from pathlib import Path

import pytest

from cluster.delivery import LessonArtifacts, SceneArtifacts, publish_lesson
from cluster.delivery.storage import (
    ObjectMissing,
    PrivateKey,
    StorageConfigError,
    UploadFailed,
    VersionConflict,
    open_storage,
)
from cluster.delivery.storage.config import MIB

from .conftest import Bucket, make_video, s3_config
from .servers import FaultProxy

pytestmark = pytest.mark.integration

LESSON = "lesson-abc123"
CODE_1 = "class Intro(Scene):\n    def construct(self):\n        self.wait()\n"
CODE_2 = "class Outro(Scene):\n    def construct(self):\n        self.wait(2)\n"


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
    return data


def _lesson(tmp: Path, version: int | None, outro_color: str = "red") -> LessonArtifacts:
    intro = make_video(tmp / "intro.mp4", color="blue")
    outro = make_video(tmp / f"outro-{outro_color}.mp4", color=outro_color)
    lesson = make_video(tmp / f"lesson-{outro_color}.mp4", seconds=2, color=outro_color)
    scenes = (SceneArtifacts(1, 1, intro, CODE_1), SceneArtifacts(2, version, outro, CODE_2))
    return LessonArtifacts(LESSON, version, lesson, scenes)


def test_publish_writes_the_versioned_key_layout(bucket: Bucket, tmp_path: Path) -> None:
    storage = open_storage(s3_config(bucket))
    published = publish_lesson(storage, _lesson(tmp_path, 1))

    base = f"team/lessons/{LESSON}"
    assert bucket.objects() == {
        f"{base}/v1/lesson.mp4",
        f"{base}/v1/poster.jpg",
        f"{base}/scenes/1/v1/scene.mp4",
        f"{base}/scenes/1/v1/poster.jpg",
        f"{base}/scenes/1/v1/scene.py",
        f"{base}/scenes/2/v1/scene.mp4",
        f"{base}/scenes/2/v1/poster.jpg",
        f"{base}/scenes/2/v1/scene.py",
    }
    assert bucket.read(f"{base}/scenes/2/v1/scene.py").decode() == CODE_2
    assert bucket.read(f"{base}/v1/poster.jpg")[:3] == b"\xff\xd8\xff"  # a JPEG
    head = bucket.head(f"{base}/v1/lesson.mp4")
    assert head is not None
    assert (head["ContentType"], head["CacheControl"]) == (
        "video/mp4",
        "public, max-age=31536000, immutable",
    )
    assert _fetch(published.video.video_url) == (tmp_path / "lesson-red.mp4").read_bytes()
    assert _fetch(published.scenes[0].video.poster_url)[:3] == b"\xff\xd8\xff"
    with pytest.raises(PrivateKey):
        storage.url(published.scenes[0].source_key)


def test_republishing_the_same_version_uploads_nothing(bucket: Bucket, tmp_path: Path) -> None:
    storage = open_storage(s3_config(bucket))
    first = publish_lesson(storage, _lesson(tmp_path, 1))
    before = {k: bucket.head(k)["LastModified"] for k in bucket.objects()}  # type: ignore[index]
    again = publish_lesson(storage, _lesson(tmp_path, 1))
    assert first.uploaded == 8
    assert again.uploaded == 0
    assert {k: bucket.head(k)["LastModified"] for k in bucket.objects()} == before  # type: ignore[index]


def test_an_edit_publishes_v2_and_leaves_v1_untouched(bucket: Bucket, tmp_path: Path) -> None:
    storage = open_storage(s3_config(bucket))
    publish_lesson(storage, _lesson(tmp_path, 1))
    v1 = {k: bucket.read(k) for k in bucket.objects()}

    # scene 2 edited: a new scene version and a new lesson version; scene 1 is unchanged
    v2 = publish_lesson(storage, _lesson(tmp_path, 2, outro_color="green"))

    assert {k: bucket.read(k) for k in v1} == v1
    assert v2.video.video_key == f"lessons/{LESSON}/v2/lesson.mp4"
    assert [(s.index, s.video.version, s.video.uploaded) for s in v2.scenes] == [
        (1, 1, 0),
        (2, 2, 3),
    ]
    assert f"team/lessons/{LESSON}/scenes/2/v2/scene.mp4" in bucket.objects()
    assert _fetch(v2.scenes[1].video.video_url) == (tmp_path / "outro-green.mp4").read_bytes()


def test_a_version_never_changes(bucket: Bucket, tmp_path: Path) -> None:
    storage = open_storage(s3_config(bucket))
    publish_lesson(storage, _lesson(tmp_path, 1))
    with pytest.raises(VersionConflict, match=re.escape(f"lessons/{LESSON}/scenes/2/v1/scene.mp4")):
        publish_lesson(storage, _lesson(tmp_path, 1, outro_color="green"))
    # without an explicit version, the first free one is taken
    auto = publish_lesson(storage, _lesson(tmp_path, None, outro_color="green"))
    assert (auto.video.version, auto.scenes[1].video.version) == (2, 2)


def test_multipart_upload_with_checksums(bucket: Bucket, proxy: FaultProxy, tmp_path: Path) -> None:
    storage = open_storage(
        s3_config(bucket, multipart_threshold_bytes=5 * MIB, multipart_part_bytes=5 * MIB)
    )
    big = tmp_path / "big.mp4"
    data = os.urandom(11 * MIB)
    big.write_bytes(data)

    stored = storage.put("chunks/" + "a" * 64 + ".mp4", big)

    key = "team/chunks/" + "a" * 64 + ".mp4"
    assert proxy.seen("PUT", r"partNumber=\d+") == 3
    head = bucket.client.head_object(Bucket=bucket.name, Key=key, ChecksumMode="ENABLED")
    assert head["ETag"].strip('"').endswith("-3")
    parts = [data[i : i + 5 * MIB] for i in range(0, len(data), 5 * MIB)]
    composite = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts)).digest()
    assert head["ChecksumSHA256"].split("-")[0] == base64.b64encode(composite).decode()
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert bucket.read(key) == data
    assert bucket.uploads_in_progress() == []


def test_put_is_retried_after_injected_500s(
    bucket: Bucket, proxy: FaultProxy, tmp_path: Path
) -> None:
    fault = proxy.fail("PUT", r"/lesson\.mp4$", times=2)
    throttled = proxy.fail("HEAD", r"/lesson\.mp4$", times=1, status=503)
    storage = open_storage(s3_config(bucket))
    video = make_video(tmp_path / "v.mp4")

    storage.put("lessons/x/v1/lesson.mp4", video)
    head = storage.head("lessons/x/v1/lesson.mp4")

    assert (fault.failed, fault.matched) == (2, 3)
    assert (throttled.failed, throttled.matched) == (1, 2)
    assert head is not None
    assert bucket.read("team/lessons/x/v1/lesson.mp4") == video.read_bytes()


def test_a_failed_part_is_retried(bucket: Bucket, proxy: FaultProxy, tmp_path: Path) -> None:
    fault = proxy.fail("PUT", r"partNumber=2(&|$)", times=1)
    storage = open_storage(
        s3_config(bucket, multipart_threshold_bytes=5 * MIB, multipart_part_bytes=5 * MIB)
    )
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 * MIB))
    storage.put("chunks/" + "b" * 64 + ".mp4", big)
    assert (fault.failed, fault.matched) == (1, 2)
    assert bucket.read("team/chunks/" + "b" * 64 + ".mp4") == big.read_bytes()


def test_failed_single_put_leaves_nothing_and_names_the_key(
    bucket: Bucket, proxy: FaultProxy, tmp_path: Path
) -> None:
    fault = proxy.fail("PUT", r"/lesson\.mp4$", times=-1)
    storage = open_storage(s3_config(bucket))
    with pytest.raises(UploadFailed) as failed:
        storage.put("lessons/x/v1/lesson.mp4", make_video(tmp_path / "v.mp4"))
    assert f"s3://{bucket.name}/team/lessons/x/v1/lesson.mp4" in str(failed.value)
    assert "InternalError (HTTP 500)" in str(failed.value)
    assert fault.matched == 4  # FAST_RETRY: 4 attempts in all
    assert bucket.objects() == set()


@pytest.mark.parametrize("failing", ["complete", "part"])
def test_failed_multipart_upload_is_aborted_and_leaves_nothing(
    bucket: Bucket, proxy: FaultProxy, tmp_path: Path, failing: str
) -> None:
    if failing == "complete":
        proxy.fail("POST", r"\?uploadId=", times=-1)
    else:
        proxy.fail("PUT", r"partNumber=2(&|$)", times=-1)
    storage = open_storage(
        s3_config(bucket, multipart_threshold_bytes=5 * MIB, multipart_part_bytes=5 * MIB)
    )
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(6 * MIB))
    with pytest.raises(UploadFailed, match=re.escape("team/lessons/x/v1/lesson.mp4")):
        storage.put("lessons/x/v1/lesson.mp4", big)
    assert bucket.objects() == set()
    assert bucket.uploads_in_progress() == []
    assert proxy.seen("DELETE", r"\?uploadId=") == 1


def test_client_errors_are_not_retried(s3_endpoint: str, proxy: FaultProxy, tmp_path: Path) -> None:
    storage = open_storage(s3_config(Bucket("no-such-bucket-here", None), s3_prefix=""))
    with pytest.raises(UploadFailed, match=r"s3://no-such-bucket-here/a\.mp4 failed: NoSuchBucket"):
        storage.put("a.mp4", make_video(tmp_path / "v.mp4"))
    assert proxy.seen("PUT", r"/a\.mp4") == 1


def test_get_verifies_and_reports_missing_objects(bucket: Bucket, tmp_path: Path) -> None:
    storage = open_storage(s3_config(bucket))
    video = make_video(tmp_path / "v.mp4")
    storage.put("lessons/x/v1/lesson.mp4", video, {"note": "hi"})
    got = storage.get("lessons/x/v1/lesson.mp4", tmp_path / "out" / "copy.mp4")
    assert (tmp_path / "out" / "copy.mp4").read_bytes() == video.read_bytes()
    assert got.metadata["note"] == "hi"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["copy.mp4"]
    with pytest.raises(ObjectMissing):
        storage.get("lessons/x/v2/lesson.mp4", tmp_path / "missing.mp4")
    assert storage.head("lessons/x/v2/lesson.mp4") is None
    assert not (tmp_path / "missing.mp4").exists()


def test_s3_without_a_bucket_is_a_config_error() -> None:
    with pytest.raises(StorageConfigError, match="SCENEFARM_S3_BUCKET"):
        open_storage(s3_config(Bucket("", None), s3_bucket=None))
