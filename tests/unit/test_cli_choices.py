"""Command-line choices that reach the farm: a scene's worker group, a lesson's engine."""

from __future__ import annotations

import pytest

from api import lesson_cli
from api.cli import parse
from api.settings import Settings


def test_groups_are_parsed_per_scene_and_repeatable() -> None:
    args = parse(
        ["render", "l.py", "A", "-o", "o.mp4", "--group", "A=gpu_render", "--group=B=big_render"]
    )
    assert args.group == [("A", "gpu_render"), ("B", "big_render")]
    assert parse(["render", "l.py", "-o", "o.mp4"]).group == []


@pytest.mark.parametrize(
    ("given", "said"),
    [("A", "is not SCENE=GROUP"), ("=gpu_render", "is not SCENE=GROUP"), ("A=no way", "group")],
)
def test_a_malformed_group_is_a_usage_error(
    given: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(["render", "l.py", "-o", "o.mp4", "--group", given])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err


def test_a_lessons_engine_is_chosen_on_the_command_line() -> None:
    """`scenefarm lesson --engine web`: every planned scene is written as a web scene."""
    web = parse(["lesson", "teach sorting", "-o", "o.mp4", "--engine", "web"])
    assert lesson_cli._options(web, Settings()).engine == "web"
    auto = parse(["lesson", "teach sorting", "-o", "o.mp4"])
    assert lesson_cli._options(auto, Settings()).engine == "auto"
    with pytest.raises(SystemExit):
        parse(["lesson", "teach sorting", "-o", "o.mp4", "--engine", "flash"])
