"""publish_lesson on the default local backend, with real ffmpeg for posters and faststart."""

from __future__ import annotations

from pathlib import Path

import pytest

from cluster.delivery import LessonArtifacts, SceneArtifacts, publish_lesson
from cluster.delivery.storage import LocalStorage, StorageConfig, open_storage
from renderers import frame_hashes
from renderers.mp4 import is_faststart
from renderers.poster import extract_poster

from .conftest import make_video

pytestmark = pytest.mark.integration


def test_local_publish_layout_urls_and_idempotence(tmp_path: Path) -> None:
    storage = open_storage(StorageConfig(local_root=tmp_path / "artifacts"))
    scene = make_video(tmp_path / "scene.mp4")
    lesson = LessonArtifacts("lesson-9", 1, scene, (SceneArtifacts(1, 1, scene, "code"),))

    first = publish_lesson(storage, lesson)
    again = publish_lesson(storage, lesson)

    root = tmp_path / "artifacts" / "lessons" / "lesson-9"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == [
        "scenes/1/v1/poster.jpg",
        "scenes/1/v1/scene.mp4",
        "scenes/1/v1/scene.py",
        "v1/lesson.mp4",
        "v1/poster.jpg",
    ]
    assert first.video.video_url == (root / "v1" / "lesson.mp4").as_uri()
    assert (first.uploaded, again.uploaded) == (5, 0)
    assert again.video.video_url == first.video.video_url
    assert again.scenes[0].video.video_url == first.scenes[0].video.video_url


def test_a_video_without_faststart_is_remuxed_not_reencoded(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "artifacts")
    slow = make_video(tmp_path / "slow.mp4", faststart=False)
    assert not is_faststart(slow)

    published = publish_lesson(storage, LessonArtifacts("lesson-9", 1, slow))

    stored = tmp_path / "artifacts" / published.video.video_key
    assert is_faststart(stored)
    assert frame_hashes(stored) == frame_hashes(slow)


def test_posters_are_reproducible_jpegs(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", seconds=2, color="green")
    one = extract_poster(video, tmp_path / "one.jpg").read_bytes()
    two = extract_poster(video, tmp_path / "two.jpg").read_bytes()
    assert one[:3] == b"\xff\xd8\xff"
    assert one == two
    other = extract_poster(make_video(tmp_path / "w.mp4", color="red"), tmp_path / "w.jpg")
    assert other.read_bytes() != one
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "one.jpg",
        "two.jpg",
        "v.mp4",
        "w.jpg",
        "w.mp4",
    ]
