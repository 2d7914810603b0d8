"""Which engine draws a scene: a property of its source file's name.

`.tsx`/`.jsx` files are web scenes (React on our runtime, renderers/web); anything else is a
Manim (Python) file, as every scene file was before the web engine.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from renderers.models import SceneSource

MANIM = "manim"
WEB = "web"
ENGINES = (MANIM, WEB)
WEB_SUFFIXES = (".tsx", ".jsx")
SUFFIX = {MANIM: ".py", WEB: ".tsx"}  # the file name a scene of each engine is given


def engine_of(source: SceneSource) -> str:
    """The engine a scene file is written for, from its name."""
    return engine_of_name(source.filename)


def engine_of_name(filename: str) -> str:
    return WEB if PurePosixPath(filename).suffix.lower() in WEB_SUFFIXES else MANIM


def source_suffix(engine: str) -> str:
    """The file suffix of a scene written for `engine` (how its code is stored)."""
    return WEB_SUFFIXES[0] if check_engine(engine) == WEB else ".py"


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    return engine
