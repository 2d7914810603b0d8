"""Lesson ids: one type, one canonical form, `lesson-` and 12 lowercase hex digits.

A lesson made from a prompt or through the API gets a random id; `scenefarm render FILE` keeps
one lesson per scene file (an edited file is a new version of the same lesson), so its id is
derived from the file's resolved path.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import NewType

LessonId = NewType("LessonId", str)
_FORM = re.compile(r"lesson-[0-9a-f]{12}")
_DIGITS = 12


def new_lesson_id() -> LessonId:
    return LessonId(f"lesson-{uuid.uuid4().hex[:_DIGITS]}")


def lesson_id_for(path: Path) -> LessonId:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()
    return LessonId(f"lesson-{digest[:_DIGITS]}")


def parse_lesson_id(raw: str) -> LessonId:
    """`raw` as a LessonId; ValueError if it is not in the canonical form."""
    if not _FORM.fullmatch(raw):
        raise ValueError(f"not a lesson id: {raw!r} (expected lesson- and 12 hex digits)")
    return LessonId(raw)
