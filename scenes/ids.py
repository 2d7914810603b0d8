"""Lesson ids: one type, one canonical form, `lesson-` and 12 lowercase hex digits.

A lesson made from a prompt or through the API gets a random id; `scenefarm render FILE` keeps
one lesson per scene file (an edited file is a new version of the same lesson), so its id is
derived from the file's resolved path: keyed by a random secret of the farm's data dir, since
published lessons are served by id without a key (a plain hash of a path anyone can guess,
such as /home/x/lesson.py, would find them).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import uuid
from pathlib import Path
from typing import NewType

LessonId = NewType("LessonId", str)
_FORM = re.compile(r"lesson-[0-9a-f]{12}")
_DIGITS = 12


def new_lesson_id() -> LessonId:
    return LessonId(f"lesson-{uuid.uuid4().hex[:_DIGITS]}")


_KEY_FILE = "lesson-ids.key"
_KEY_BYTES = 32


def lesson_id_for(path: Path, key: bytes) -> LessonId:
    """The id of the lesson rendered from the file at `path`, under the farm's `key`."""
    digest = hmac.new(key, str(path.resolve()).encode(), hashlib.sha256).hexdigest()
    return LessonId(f"lesson-{digest[:_DIGITS]}")


def path_id_key(data_dir: Path) -> bytes:
    """The data dir's secret for path-derived ids: 32 random bytes, made 0600 on first use."""
    path = data_dir / _KEY_FILE
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(_KEY_BYTES))
    key = path.read_bytes()
    if len(key) < _KEY_BYTES:  # a key cut short by a crash mid-write
        raise ValueError(f"{path} holds no usable key; remove it to make a new one")
    return key


def parse_lesson_id(raw: str) -> LessonId:
    """`raw` as a LessonId; ValueError if it is not in the canonical form."""
    if not _FORM.fullmatch(raw):
        raise ValueError(f"not a lesson id: {raw!r} (expected lesson- and 12 hex digits)")
    return LessonId(raw)
