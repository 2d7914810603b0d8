"""The key layout of stored artifacts, in one place.

    lessons/{lesson_id}/v{n}/lesson.mp4                  the lesson video, version n
    lessons/{lesson_id}/v{n}/poster.jpg                  its poster frame
    lessons/{lesson_id}/v{n}/captions.vtt                narrated: its captions (WebVTT)
    lessons/{lesson_id}/v{n}/captions.srt                the same as SRT
    lessons/{lesson_id}/v{n}/chapters.vtt                a chapter per scene (WebVTT)
    lessons/{lesson_id}/v{n}/lesson.captioned.mp4        on request: captions burnt in
    lessons/{lesson_id}/scenes/{index}/v{m}/scene.mp4    scene `index` (1-based), version m
    lessons/{lesson_id}/scenes/{index}/v{m}/poster.jpg   its poster frame
    lessons/{lesson_id}/scenes/{index}/v{m}/scene.py     its source (private: no URL; a web
                                                         scene's is scene.tsx or scene.jsx)
    chunks/{sha256}.mp4                                  the shared chunk cache
    plans/{sha256}.json                                  chunk plans of unchanged scenes (private)

Every key is written once and never changed (a version or a content hash is part of it), so
caches and CDNs may keep them forever and an edit never needs an invalidation.
"""

from __future__ import annotations

import re

from cluster.delivery.storage.errors import InvalidKey

_LESSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
SOURCE_SUFFIXES = (".py", ".tsx", ".jsx")  # scene code: Manim's, the web engine's
IMMUTABLE = "public, max-age=31536000, immutable"
PRIVATE = "private, max-age=0, no-store"
_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".py": "text/x-python; charset=utf-8",
    ".tsx": "text/plain; charset=utf-8",
    ".jsx": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
}
# Files a narrated lesson version has beside its video.
LESSON_FILES = frozenset({"captions.vtt", "captions.srt", "chapters.vtt", "lesson.captioned.mp4"})


def _lesson(lesson_id: str) -> str:
    if not _LESSON_ID.fullmatch(lesson_id) or ".." in lesson_id:
        raise InvalidKey(f"invalid lesson id {lesson_id!r}: use letters, digits, '.', '_', '-'")
    return f"lessons/{lesson_id}"


def _positive(what: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidKey(f"{what} must be a positive integer, got {value!r}")
    return value


def lesson_dir(lesson_id: str, version: int) -> str:
    return f"{_lesson(lesson_id)}/v{_positive('lesson version', version)}"


def scene_dir(lesson_id: str, index: int, version: int) -> str:
    index = _positive("scene index", index)
    return f"{_lesson(lesson_id)}/scenes/{index}/v{_positive('scene version', version)}"


def lesson_video(lesson_id: str, version: int) -> str:
    return f"{lesson_dir(lesson_id, version)}/lesson.mp4"


def lesson_poster(lesson_id: str, version: int) -> str:
    return f"{lesson_dir(lesson_id, version)}/poster.jpg"


def lesson_file(lesson_id: str, version: int, name: str) -> str:
    """One of a lesson version's files beside its video (LESSON_FILES)."""
    if name not in LESSON_FILES:
        raise InvalidKey(f"no lesson file {name!r}: one of {sorted(LESSON_FILES)}")
    return f"{lesson_dir(lesson_id, version)}/{name}"


def scene_video(lesson_id: str, index: int, version: int) -> str:
    return f"{scene_dir(lesson_id, index, version)}/scene.mp4"


def scene_poster(lesson_id: str, index: int, version: int) -> str:
    return f"{scene_dir(lesson_id, index, version)}/poster.jpg"


def scene_source(lesson_id: str, index: int, version: int, suffix: str = ".py") -> str:
    """The scene's code, named as its engine's files are (.py for Manim, .tsx/.jsx for web)."""
    if suffix not in SOURCE_SUFFIXES:
        raise InvalidKey(f"invalid scene source suffix {suffix!r}: one of {SOURCE_SUFFIXES}")
    return f"{scene_dir(lesson_id, index, version)}/scene{suffix}"


def chunk(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise InvalidKey(f"invalid chunk key {sha256!r}: expected 64 lowercase hex digits")
    return f"chunks/{sha256}.mp4"


def plan(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise InvalidKey(f"invalid plan key {sha256!r}: expected 64 lowercase hex digits")
    return f"plans/{sha256}.json"


def check(key: str) -> str:
    """A key any backend may store: relative, no empty, '.' or '..' segments, no odd bytes."""
    parts = key.split("/")
    if not _KEY.fullmatch(key) or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise InvalidKey(f"invalid storage key {key!r}")
    return key


def is_private(key: str) -> bool:
    """Scene sources and plans are never served: the bucket is private and they get no URL."""
    return key.endswith(SOURCE_SUFFIXES) or key.startswith("plans/")


def content_type(key: str) -> str:
    suffix = key[key.rfind(".") :] if "." in key else ""
    return _CONTENT_TYPES.get(suffix, "application/octet-stream")


def cache_control(key: str) -> str:
    return PRIVATE if is_private(key) else IMMUTABLE
