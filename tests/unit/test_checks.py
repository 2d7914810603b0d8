"""Static checks on scene code: what is refused before any run, and what passes."""

from __future__ import annotations

import pytest

from scenes import StaticCheckError, check_scene, scene_class_of

GOOD = """from manim import *
import numpy as np
from math import pi


def helper(x):
    return np.sin(x * pi)


class Waves(Scene):
    def construct(self):
        axes = Axes()
        self.play(Create(axes.plot(helper)))
        self.remove(axes)
"""


def _problems(code: str, name: str = "Waves") -> list[str]:
    with pytest.raises(StaticCheckError) as caught:
        check_scene(code, name)
    return caught.value.problems


def test_good_code_passes() -> None:
    check_scene(GOOD, "Waves")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("import os", "import of os is not allowed"),
        ("import subprocess as sp", "import of subprocess"),
        ("from socket import socket", "import of socket"),
        ("from pathlib import Path", "import of pathlib"),
        ("import urllib.request", "import of urllib.request"),
        ("from . import x", "import of (relative import)"),
        ("x = open('/etc/passwd').read()", "open() is not allowed"),
        ("eval('1')", "eval() is not allowed"),
        ("exec('1')", "exec() is not allowed"),
        ("__import__('os')", "__import__() is not allowed"),
        ("x = ().__class__.__bases__[0].__subclasses__()", "attribute __subclasses__"),
        ("g = helper.__globals__", "attribute __globals__"),
        ("b = __builtins__", "__builtins__ is not allowed"),
        ("np.load('x.npy')", ".load (files/processes) not allowed"),
    ],
)
def test_forbidden_code_is_refused_with_its_line(line: str, expected: str) -> None:
    code = GOOD.replace("from math import pi", f"from math import pi\n{line}")
    problems = _problems(code)
    assert any(expected in p and p.startswith("line 4:") for p in problems), problems


def test_every_problem_is_listed_at_once() -> None:
    code = "import os\nimport sys\n" + GOOD
    assert len(_problems(code)) == 2


def test_a_syntax_error_names_its_line() -> None:
    assert _problems("from manim import *\nclass Waves(Scene:\n    pass\n") == [
        "line 2: SyntaxError: invalid syntax"
    ]


def test_the_planned_class_must_be_the_only_scene() -> None:
    assert (
        "must define the Scene subclass Waves (found: Other)"
        in _problems(GOOD.replace("class Waves", "class Other"))[0]
    )
    two = GOOD + "\n\nclass Extra(MovingCameraScene):\n    pass\n"
    assert "remove Extra" in _problems(two)[0]


def test_helper_classes_that_are_not_scenes_are_fine() -> None:
    check_scene(GOOD + "\n\nclass Arrowish(VGroup):\n    pass\n", "Waves")


def test_oversized_code_is_refused() -> None:
    code = GOOD + "\n" + "# padding\n" * 3000
    assert "limit is" in _problems(code)[0]


def test_scene_class_of_finds_the_single_scene() -> None:
    assert scene_class_of(GOOD) == "Waves"
    assert scene_class_of(GOOD + "\nclass B(Scene):\n    pass\n") is None
    assert scene_class_of("class (") is None
