"""api.render_client: what decides whether the render server may run a client's command."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import render_client
from api.settings import Settings
from cluster.farm.ray_head import ATTACHED


def test_the_cluster_stops_the_server_it_knows_by_the_same_names() -> None:
    assert ATTACHED[render_client.PID_FILE] == render_client.MARKER


def test_settings_env_is_what_settings_are_read_from() -> None:
    env = {
        "SCENEFARM_SANDBOX": "bwrap",
        "AWS_PROFILE": "x",
        "HOME": "/root",
        "PATH": "/bin",
        "RAY_CLIENT_MODE": "0",  # Ray's own, set by importing it
        "SCENEFARM_RENDER_SERVER": "1",  # the switch itself
    }
    assert render_client.settings_env(env) == {
        "SCENEFARM_SANDBOX": "bwrap",
        "AWS_PROFILE": "x",
        "HOME": "/root",
    }


def test_the_data_dir_is_the_one_settings_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENEFARM_DATA_DIR", raising=False)
    assert render_client.data_dir() == Settings().data_dir
    monkeypatch.setenv("SCENEFARM_DATA_DIR", "/tmp/elsewhere")
    assert render_client.data_dir() == Settings().data_dir == Path("/tmp/elsewhere")


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        (["status"], {}),
        (["render", "x.py", "-o", "x.mp4"], {"RAY_ADDRESS": "10.0.0.1:6379"}),
        (["render", "x.py", "-o", "x.mp4"], {"SCENEFARM_RENDER_SERVER": "0"}),
    ],
)
def test_commands_the_server_never_takes(
    argv: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCENEFARM_DATA_DIR", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "ray").mkdir()
    (tmp_path / "ray" / render_client.SOCKET).touch()  # even with a socket there
    assert render_client.run(argv) is None


def test_no_server_means_the_cli_runs_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SCENEFARM_DATA_DIR", str(tmp_path))
    assert render_client.run(["render", "x.py", "-o", "x.mp4"]) is None
    (tmp_path / "ray").mkdir()
    (tmp_path / "ray" / render_client.SOCKET).touch()  # stale: nobody listens
    assert render_client.run(["render", "x.py", "-o", "x.mp4"]) is None
    assert render_client.server_pid(tmp_path) is None
