"""renderers.cache_keys: content-addressed chunk and probe keys, and per-scene code fingerprints."""

from __future__ import annotations

import dataclasses
import re

import pytest

from renderers.cache_keys import chunk_key, file_key, probe_key, scene_fingerprint
from renderers.models import ChunkSpec, SceneSource
from renderers.quality import Quality

CODE = """\
from manim import *

RADIUS = 1.5


class Helper:
    def shape(self):
        return Circle(radius=RADIUS)


class Base(Scene):
    def title(self):
        return Text("base")


class Intro(Base):
    def construct(self):
        self.play(Create(Helper().shape()))
        self.play(Write(self.title()))


class Outro(Scene):
    def construct(self):
        self.play(FadeIn(Square()))


class Recap(Scene):
    def construct(self):
        Outro.construct(self)
"""
SCENES = ("Base", "Intro", "Outro", "Recap")
SOURCE = SceneSource("lesson.py", CODE)
FP = scene_fingerprint(SOURCE, "Intro", SCENES)
CHUNK = ChunkSpec("Intro", 1, 2, 4, 90, Quality.MEDIUM)
ENGINE = "manim 0.19.0"


def _fp(code: str, scene: str) -> str:
    return scene_fingerprint(SceneSource("lesson.py", code), scene, SCENES)


# -- chunk_key ---------------------------------------------------------------------------------


def test_chunk_key_is_sha256_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", chunk_key(FP, CHUNK, ENGINE))


def test_chunk_key_is_stable_for_equal_inputs() -> None:
    same_chunk = ChunkSpec("Intro", 1, 2, 4, 90, Quality.MEDIUM)
    same_fp = scene_fingerprint(
        SceneSource("lesson.py", "".join(list(CODE))), "Intro", list(SCENES)
    )
    assert chunk_key(FP, CHUNK, ENGINE) == chunk_key(same_fp, same_chunk, "manim 0.19.0")


def test_chunk_key_ignores_what_does_not_change_the_bytes() -> None:
    # the chunk's position in the plan and its frame estimate do not change what is rendered
    moved = dataclasses.replace(CHUNK, index=7, est_frames=12345)
    assert chunk_key(FP, moved, ENGINE) == chunk_key(FP, CHUNK, ENGINE)


@pytest.mark.parametrize(
    ("code", "chunk", "engine"),
    [
        pytest.param(_fp(CODE.replace('"base"', '"BASE"'), "Intro"), CHUNK, ENGINE, id="code"),
        pytest.param(FP, dataclasses.replace(CHUNK, scene="Outro"), ENGINE, id="scene"),
        pytest.param(FP, dataclasses.replace(CHUNK, first=3), ENGINE, id="first"),
        pytest.param(FP, dataclasses.replace(CHUNK, last=5), ENGINE, id="last"),
        pytest.param(FP, dataclasses.replace(CHUNK, first=3, last=5), ENGINE, id="shifted-range"),
        pytest.param(FP, dataclasses.replace(CHUNK, quality=Quality.HIGH), ENGINE, id="quality"),
        pytest.param(FP, dataclasses.replace(CHUNK, still_s=2.0), ENGINE, id="still_s"),
        pytest.param(FP, CHUNK, "manim 0.19.1", id="engine"),
    ],
)
def test_chunk_key_changes_with_each_input(code: str, chunk: ChunkSpec, engine: str) -> None:
    assert chunk_key(code, chunk, engine) != chunk_key(FP, CHUNK, ENGINE)


def test_chunk_key_distinguishes_every_quality() -> None:
    keys = {chunk_key(FP, dataclasses.replace(CHUNK, quality=q), ENGINE) for q in Quality}
    assert len(keys) == len(Quality)


# -- scene_fingerprint -------------------------------------------------------------------------


def test_fingerprint_is_stable_and_per_scene() -> None:
    assert _fp(CODE, "Intro") == FP
    assert len({_fp(CODE, s) for s in ("Intro", "Outro", "Recap")}) == 3


def test_fingerprint_ignores_comments_and_formatting() -> None:
    noisy = CODE.replace("RADIUS = 1.5", "RADIUS = 1.5  # the radius").replace(
        'Text("base")', "Text( 'base' )"
    )
    assert noisy != CODE
    assert _fp(noisy, "Intro") == FP


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("Create(Helper", "FadeIn(Helper", id="the-scene-itself"),
        pytest.param('Text("base")', 'Text("other")', id="a-base-scene"),
        pytest.param("return Circle(", "return Dot(", id="a-helper-class"),
        pytest.param("RADIUS = 1.5", "RADIUS = 2.5", id="module-level-code"),
        pytest.param("from manim import *", "from manim import *\nimport math", id="imports"),
    ],
)
def test_fingerprint_changes_with_code_the_scene_uses(old: str, new: str) -> None:
    assert old in CODE
    assert _fp(CODE.replace(old, new), "Intro") != FP


def test_fingerprint_ignores_unrelated_scenes() -> None:
    edited = CODE.replace("FadeIn(Square())", "FadeIn(Triangle())")
    assert _fp(edited, "Intro") == FP
    assert _fp(edited, "Outro") != _fp(CODE, "Outro")


def test_fingerprint_follows_scenes_that_are_mentioned() -> None:
    edited = CODE.replace("FadeIn(Square())", "FadeIn(Triangle())")
    assert _fp(edited, "Recap") != _fp(CODE, "Recap")


def test_fingerprint_of_unparsable_code_still_tracks_the_code() -> None:
    broken = "class Intro(Scene:\n"
    assert _fp(broken, "Intro") == _fp(broken, "Intro")
    assert _fp(broken, "Intro") != _fp(broken + "\n# more\n", "Intro")


# -- probe_key / file_key ----------------------------------------------------------------------


def test_probe_key_changes_with_code_scene_and_engine() -> None:
    base = probe_key(FP, "Intro", ENGINE)
    assert probe_key(FP, "Intro", ENGINE) == base
    assert (
        probe_key(_fp(CODE.replace("RADIUS = 1.5", "RADIUS = 3"), "Intro"), "Intro", ENGINE) != base
    )
    assert probe_key(FP, "Outro", ENGINE) != base
    assert probe_key(FP, "Intro", "manim 0.18.1") != base
    assert base != chunk_key(FP, CHUNK, ENGINE)


def test_file_key_changes_with_what_defines_the_scenes_and_engine() -> None:
    base = file_key(SOURCE, ENGINE)
    assert file_key(SceneSource("other.py", CODE), ENGINE) == base
    assert file_key(SOURCE, "manim 0.18.1") != base
    for changed in (
        CODE + "\nclass Extra(Scene):\n    pass\n",  # a new scene
        CODE.replace("class Outro(Scene)", "class Outro(Base)"),  # another base
        CODE.replace("RADIUS = 1.5", "RADIUS = 1.5\nIntro = None"),  # module-level code
        CODE.replace("class Base(Scene):", "class Base(Scene):\n    x = make()"),  # class body
    ):
        assert file_key(SceneSource("lesson.py", changed), ENGINE) != base


def test_file_key_ignores_method_bodies_and_comments() -> None:
    """Importing the file never runs a method: editing a scene's construct lists the same."""
    base = file_key(SOURCE, ENGINE)
    edited = CODE.replace(
        "self.play(FadeIn(Square()))", "self.play(FadeIn(Circle()))\n        self.wait(2)"
    )
    assert file_key(SceneSource("lesson.py", edited), ENGINE) == base
    assert file_key(SceneSource("lesson.py", CODE + "# x\n"), ENGINE) == base
    assert file_key(SceneSource("lesson.py", "class (:"), ENGINE) != base  # unparsable: raw


# -- known gaps (bugs reported, not fixed) -----------------------------------------------------

_OUTRO = """
class Outro(Scene):
    def construct(self):
        self.play(FadeIn(Square()))
"""


def test_fingerprint_follows_scenes_used_by_helpers() -> None:
    code = (
        _OUTRO
        + """
class Helper:
    def run(self, scene):
        Outro.construct(scene)


class Intro(Scene):
    def construct(self):
        Helper().run(self)
"""
    )
    edited = code.replace("Square", "Circle")
    assert scene_fingerprint(
        SceneSource("x.py", edited), "Intro", ["Outro", "Intro"]
    ) != scene_fingerprint(SceneSource("x.py", code), "Intro", ["Outro", "Intro"])


def test_fingerprint_follows_aliased_base_scenes() -> None:
    code = (
        _OUTRO
        + """
Ending = Outro


class Intro(Ending):
    pass
"""
    )
    edited = code.replace("Square", "Circle")
    assert scene_fingerprint(
        SceneSource("x.py", edited), "Intro", ["Outro", "Intro"]
    ) != scene_fingerprint(SceneSource("x.py", code), "Intro", ["Outro", "Intro"])
