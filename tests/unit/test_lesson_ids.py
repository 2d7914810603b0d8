"""Lesson ids: the canonical form, and path-derived ids no one can guess without the farm's key."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from scenes import lesson_id_for, new_lesson_id, parse_lesson_id, path_id_key


def test_a_path_id_is_stable_for_one_farm_and_differs_between_farms(tmp_path: Path) -> None:
    scene = tmp_path / "lesson.py"
    scene.write_text("")
    first, second = path_id_key(tmp_path / "farm-a"), path_id_key(tmp_path / "farm-b")
    assert path_id_key(tmp_path / "farm-a") == first  # kept, not made again
    assert lesson_id_for(scene, first) == lesson_id_for(tmp_path / "." / "lesson.py", first)
    assert lesson_id_for(scene, first) != lesson_id_for(scene, second)
    assert parse_lesson_id(lesson_id_for(scene, first)) == lesson_id_for(scene, first)


def test_a_path_id_is_not_the_plain_hash_of_the_path(tmp_path: Path) -> None:
    """What `render` used before: anyone who guessed the path found the published lesson."""
    scene = tmp_path / "lesson.py"
    guessed = "lesson-" + hashlib.sha256(str(scene.resolve()).encode()).hexdigest()[:12]
    assert lesson_id_for(scene, path_id_key(tmp_path / "farm")) != guessed


def test_the_key_is_private_and_a_damaged_one_is_a_clear_error(tmp_path: Path) -> None:
    data_dir = tmp_path / "farm"
    path_id_key(data_dir)
    key_file = next(data_dir.glob("*.key"))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_file.write_bytes(b"")
    with pytest.raises(ValueError, match="remove it"):
        path_id_key(data_dir)


def test_new_ids_are_canonical_and_distinct() -> None:
    ids = {new_lesson_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(parse_lesson_id(i) == i for i in ids)
    with pytest.raises(ValueError, match="not a lesson id"):
        parse_lesson_id("lesson-XYZ")
