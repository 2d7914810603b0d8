"""cluster.delivery.storage.object_keys: the versioned key layout and what a key may be."""

from __future__ import annotations

import pytest

from cluster.delivery.storage import InvalidKey, object_keys

SHA = "0123456789abcdef" * 4


def test_layout() -> None:
    assert object_keys.lesson_video("lesson-1a", 3) == "lessons/lesson-1a/v3/lesson.mp4"
    assert object_keys.lesson_poster("lesson-1a", 3) == "lessons/lesson-1a/v3/poster.jpg"
    assert object_keys.scene_video("lesson-1a", 2, 5) == "lessons/lesson-1a/scenes/2/v5/scene.mp4"
    assert object_keys.scene_poster("lesson-1a", 2, 5) == "lessons/lesson-1a/scenes/2/v5/poster.jpg"
    assert object_keys.scene_source("lesson-1a", 2, 5) == "lessons/lesson-1a/scenes/2/v5/scene.py"
    assert object_keys.chunk(SHA) == f"chunks/{SHA}.mp4"


def test_versions_make_distinct_keys() -> None:
    made = {object_keys.scene_video("l", i, v) for i in (1, 2, 10) for v in (1, 2, 10)}
    made |= {object_keys.lesson_video("l", v) for v in (1, 2, 10)}
    assert len(made) == 12


@pytest.mark.parametrize("lesson_id", ["", "../x", "a/b", ".hidden", "a b", "é", "x" * 200, "a..b"])
def test_bad_lesson_ids(lesson_id: str) -> None:
    with pytest.raises(InvalidKey, match="lesson id"):
        object_keys.lesson_video(lesson_id, 1)


@pytest.mark.parametrize("number", [0, -1, True, 1.5])
def test_versions_and_indexes_are_positive_integers(number: object) -> None:
    with pytest.raises(InvalidKey, match="positive integer"):
        object_keys.lesson_video("l", number)  # type: ignore[arg-type]
    with pytest.raises(InvalidKey, match="positive integer"):
        object_keys.scene_video("l", number, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("digest", ["", SHA[:-1], SHA.upper(), SHA + "0", "../" + SHA[3:]])
def test_chunk_keys_are_sha256_hex(digest: str) -> None:
    with pytest.raises(InvalidKey):
        object_keys.chunk(digest)


@pytest.mark.parametrize(
    "key", ["", "/abs", "a//b", "a/./b", "a/../b", "a/.meta/b", "a/b/", "a\\b", "a b", "a\nb"]
)
def test_check_rejects_keys_that_escape_or_hide(key: str) -> None:
    with pytest.raises(InvalidKey):
        object_keys.check(key)


def test_check_accepts_layout_keys() -> None:
    key = object_keys.scene_source("lesson-1", 1, 1)
    assert object_keys.check(key) == key


def test_sources_are_private_and_media_public() -> None:
    assert object_keys.is_private(object_keys.scene_source("l", 1, 1))
    assert not object_keys.is_private(object_keys.scene_video("l", 1, 1))
    assert not object_keys.is_private(object_keys.lesson_poster("l", 1))
    assert object_keys.cache_control(object_keys.scene_source("l", 1, 1)).startswith("private")
    assert "immutable" in object_keys.cache_control(object_keys.chunk(SHA))


def test_content_types() -> None:
    assert object_keys.content_type(object_keys.lesson_video("l", 1)) == "video/mp4"
    assert object_keys.content_type(object_keys.lesson_poster("l", 1)) == "image/jpeg"
    assert object_keys.content_type(object_keys.scene_source("l", 1, 1)).startswith("text/x-python")
    assert object_keys.content_type("misc/blob") == "application/octet-stream"


def test_a_web_scenes_source_keeps_its_engines_suffix_and_stays_private() -> None:
    key = object_keys.scene_source("lesson-1a", 2, 5, ".tsx")
    assert key == "lessons/lesson-1a/scenes/2/v5/scene.tsx"
    assert object_keys.is_private(key) and object_keys.cache_control(key) == object_keys.PRIVATE
    assert object_keys.content_type(key).startswith("text/plain")
    assert object_keys.is_private(object_keys.scene_source("l", 1, 1, ".jsx"))
    with pytest.raises(InvalidKey, match="suffix"):
        object_keys.scene_source("l", 1, 1, ".mp4")  # a source named as a video would be served
