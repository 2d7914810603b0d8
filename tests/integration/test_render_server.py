"""The render server: later `scenefarm render` commands run in a process that is already joined
to the local cluster, with the same output, report and exit status as the CLI's own run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from renderers import frame_hashes

from .conftest import CLI, SCENES

pytestmark = pytest.mark.integration


class Client:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.data = tmp / "data"
        self.env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
        self.env |= {"SCENEFARM_DATA_DIR": str(self.data), "SCENEFARM_IDLE_S": "1800"}
        self.env.setdefault("SCENEFARM_SANDBOX", "bwrap")

    def cli(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, *args],
            env=env or self.env,
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def render(self, *args: str, report: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        done = self.cli("render", *args, "--report", report, env=env)
        data: dict[str, Any] = json.loads((self.tmp / report).read_text())
        data["_done"] = done
        return data

    def server_pid(self) -> int | None:
        status = self.cli("status").stdout
        for line in status.splitlines():
            if "render server running" in line:
                return int(line.rsplit("pid ", 1)[1].rstrip(")"))
        return None


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    tmp = tmp_path_factory.mktemp("render-server")
    for name in ("broken.py", "slow.py"):
        shutil.copy(SCENES / name, tmp / name)
    client = Client(tmp)
    try:
        # From outside the project dir (under `make test`, inside `uv run`): Ray must not
        # ship this dir to the workers and start them with `uv run` (see cluster/farm/ray_api.py).
        done = client.cli("render", "broken.py", "First", "-o", "first.mp4", "--report", "f.json")
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads((tmp / "f.json").read_text())["totals"]["ran_in"] == "cli"
        deadline = time.monotonic() + 90  # it starts in the background after the first command
        while client.server_pid() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        log = client.data / "ray" / "render_server.log"
        assert client.server_pid() is not None, log.read_text() if log.exists() else ""
        yield client
    finally:
        client.cli("down")


def test_a_later_render_runs_in_the_server_with_the_clients_paths(client: Client) -> None:
    (client.tmp / "out").mkdir(exist_ok=True)
    served = client.render(
        "broken.py", "First", "-o", "out/served.mp4", "--no-cache", report="out/served.json"
    )
    done = served["_done"]
    assert done.returncode == 0, done.stderr[-2000:]
    assert served["totals"]["ran_in"] == "render-server"
    assert f"wrote {client.tmp / 'out' / 'served.mp4'}" in done.stderr  # what the CLI prints
    assert "chunk_done" in done.stderr
    first = frame_hashes(client.tmp / "first.mp4")
    assert frame_hashes(client.tmp / "out" / "served.mp4") == first
    assert (client.tmp / "out" / "served_scenes" / "01-First.mp4").is_file()


def test_a_failing_scene_fails_the_command_as_in_the_cli(client: Client) -> None:
    failed = client.render("broken.py", "Broken", "-o", "broken.mp4", report="broken.json")
    done = failed["_done"]
    assert done.returncode == 1
    assert failed["totals"]["ran_in"] == "render-server"
    assert "scene Broken failed: ValueError at line 13: the square is not round" in done.stderr
    assert not (client.tmp / "broken.mp4").exists()


def test_usage_errors_come_back_from_the_server(client: Client) -> None:
    done = client.cli("render", "broken.py", "-o", "x.mp4", "--quality", "z")
    assert done.returncode == 2 and "invalid choice" in done.stderr
    missing = client.cli("render", "nowhere.py", "-o", "x.mp4")
    assert missing.returncode == 2 and "cannot read nowhere.py" in missing.stderr


def test_other_settings_or_opting_out_run_in_the_cli(client: Client) -> None:
    other = client.env | {"SCENEFARM_MAX_FIXES": "3"}  # a setting the server was not started with
    refused = client.render("broken.py", "First", "-o", "other.mp4", report="other.json", env=other)
    assert refused["_done"].returncode == 0, refused["_done"].stderr[-2000:]
    assert refused["totals"]["ran_in"] == "cli"
    off = client.env | {"SCENEFARM_RENDER_SERVER": "0"}
    local = client.render("broken.py", "First", "-o", "off.mp4", report="off.json", env=off)
    assert local["totals"]["ran_in"] == "cli"


def test_interrupting_the_client_cancels_its_render_and_frees_the_server(client: Client) -> None:
    argv = [CLI, "render", "slow.py", "-o", "slow.mp4", "--no-cache", "--report", "slow.json"]
    proc = subprocess.Popen(
        argv,
        env=client.env,
        cwd=client.tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Served and rendering seconds-long chunks once every scene is planned.
    assert _line_with(proc, "chunks_planned", timeout_s=120), proc.poll()
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    assert not (client.tmp / "slow.mp4").exists()
    # Chunks already running finish (a worker is never interrupted mid-chunk); meanwhile the
    # busy server leaves commands to the CLI. Then it serves again.
    deadline, ran_in = time.monotonic() + 120, "cli"
    while ran_in == "cli" and time.monotonic() < deadline:
        again = client.render("broken.py", "First", "-o", "again.mp4", report="again.json")
        assert again["_done"].returncode == 0, again["_done"].stderr[-2000:]
        ran_in = again["totals"]["ran_in"]
    assert ran_in == "render-server"


def _line_with(proc: subprocess.Popen[str], needle: str, timeout_s: float) -> bool:
    """Reads the command's progress (stderr) until a line has `needle`; False on timeout."""
    found = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if needle in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    return found.wait(timeout_s)


def test_down_stops_the_server(tmp_path: Path) -> None:
    client = Client(tmp_path)
    shutil.copy(SCENES / "broken.py", tmp_path / "broken.py")
    try:
        assert client.cli("render", "broken.py", "First", "-o", "a.mp4").returncode == 0
        deadline = time.monotonic() + 90
        while (pid := client.server_pid()) is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pid is not None
        server = psutil.Process(pid)
    finally:
        assert "local cluster stopped" in client.cli("down").stdout
    server.wait(timeout=30)
    assert client.server_pid() is None
    assert "no local cluster" in client.cli("status").stdout
