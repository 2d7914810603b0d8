"""SCENEFARM_LOG_FORMAT=json: a render's log lines are JSON objects, one per line."""

from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import SCENES, Farm

pytestmark = pytest.mark.integration


def test_a_render_logs_json_lines_when_asked(farm: Farm) -> None:
    argv, output, _ = farm.command(SCENES / "broken.py", "First", "--sandbox", "auto")
    env = farm.env() | {"SCENEFARM_LOG_FORMAT": "json"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert output.exists()
    entries = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    chosen = [e for e in entries if e["logger"] == "sandbox.factory"]
    assert chosen, done.stderr[-3000:]  # `auto` says which backend it took
    assert chosen[0]["level"] == "INFO" and chosen[0]["message"].startswith("sandbox backend: ")
    assert not any(line.startswith("INFO sandbox.factory") for line in done.stderr.splitlines())
