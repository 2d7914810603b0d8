"""Which `scenefarm serve` processes use a data dir: each writes `serve/<pid>.json` (its port)
while it runs, so `status` can list them and `down` can stop them before the cluster and the
Redis they rely on."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import psutil

STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Serving:
    pid: int
    url: str


def _dir(data_dir: Path) -> Path:
    return data_dir / "serve"


def register(data_dir: Path, url: str) -> Path:
    """Records this process as serving `url`; returns the record to remove on exit."""
    _dir(data_dir).mkdir(parents=True, exist_ok=True)
    record = _dir(data_dir) / f"{os.getpid()}.json"
    record.write_text(json.dumps({"pid": os.getpid(), "url": url}))
    return record


def running(data_dir: Path) -> list[Serving]:
    """The serve processes of this data dir that are alive (stale records are removed)."""
    found = []
    for record in sorted(_dir(data_dir).glob("*.json")) if _dir(data_dir).is_dir() else []:
        try:
            raw = json.loads(record.read_text())
            serving = Serving(int(raw["pid"]), str(raw["url"]))
        except (OSError, ValueError, KeyError):
            continue
        if _is_serve(serving.pid):
            found.append(serving)
        else:
            record.unlink(missing_ok=True)
    return found


def stop_all(data_dir: Path) -> list[Serving]:
    """SIGTERMs every serve of this data dir (they drain) and waits for them; those stopped."""
    stopped = []
    for serving in running(data_dir):
        with contextlib.suppress(psutil.Error):
            proc = psutil.Process(serving.pid)
            proc.send_signal(signal.SIGTERM)
            proc.wait(STOP_TIMEOUT_S)
            stopped.append(serving)
        (_dir(data_dir) / f"{serving.pid}.json").unlink(missing_ok=True)
    return stopped


def _is_serve(pid: int) -> bool:
    """A live `scenefarm serve` (pids are reused: its command line is checked too)."""
    if pid == os.getpid():
        return False
    try:
        argv = psutil.Process(pid).cmdline()
    except psutil.Error:
        return False
    return "serve" in argv and any("scenefarm" in a for a in argv)
