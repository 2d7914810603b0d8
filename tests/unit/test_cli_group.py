"""`scenefarm render --group SCENE=GROUP`: a scene's worker group from the command line."""

from __future__ import annotations

import pytest

from api.cli import parse


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
