"""`scenefarm render` handed to the local cluster's render server (see api/render_server.py).

Standard library only, and nothing of scenefarm's: this runs before the CLI imports anything,
and its whole point is to spare a command those imports (Ray alone is 0.4 s). `run()` returns
None whenever the server cannot take the command; the caller then runs it in-process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

SOCKET = "render.sock"  # in the local cluster's state dir, data_dir / "ray"
PID_FILE = "render_server.pid"
MARKER = "api.render_server"  # in the server's command line
DISABLE = "SCENEFARM_RENDER_SERVER"  # "0": never hand commands to the server
# What a command's settings are read from: the server serves a client only if these match.
# (RAY_ADDRESS set: no server at all. Other RAY_* variables are Ray's own: an in-process CLI
# that imported Ray passes RAY_CLIENT_MODE on to the server it starts.)
_SETTINGS_ENV = re.compile(r"^(SCENEFARM_|AWS_|HOME$)")
_PACKAGES = ("api", "cluster", "sandbox", "renderers", "scenes")
_CONNECT_TIMEOUT_S = 2.0
STALE = ("another code", "another python")  # refusals that retire the server


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "scenefarm"


def data_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    given = env.get("SCENEFARM_DATA_DIR")
    return Path(given) if given else default_data_dir()


def settings_env(environ: dict[str, str] | os._Environ[str]) -> dict[str, str]:
    """The part of an environment that decides a command's settings."""
    return {k: v for k, v in environ.items() if _SETTINGS_ENV.match(k) and k != DISABLE}


def code_digest() -> str:
    """SHA-256 over scenefarm's code: a server started before an edit never runs the old code."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for package in _PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def identity(environ: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    """What client and server must share for the server to run the client's command."""
    return {"env": settings_env(environ), "python": sys.executable, "code": code_digest()}


def server_pid(data_dir: Path) -> int | None:
    """The pid of this data dir's render server, if one runs."""
    try:
        pid = int((data_dir / "ray" / PID_FILE).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if MARKER.encode() in cmdline else None


def start_server(data_dir: Path) -> None:
    """Starts a render server for this data dir's local cluster (running), if none runs."""
    if server_pid(data_dir) is not None:
        return
    with (data_dir / "ray" / "render_server.log").open("a") as out:
        subprocess.Popen(
            [sys.executable, "-m", MARKER, str(data_dir)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def disabled() -> bool:
    """`SCENEFARM_RENDER_SERVER=0`: every command runs in its own process."""
    return os.environ.get(DISABLE) == "0"


def run(argv: list[str]) -> int | None:
    """The command's exit status, run by the render server; None if it could not take it."""
    if argv[:1] != ["render"] or os.environ.get("RAY_ADDRESS") or disabled():
        return None
    path = data_dir() / "ray" / SOCKET
    if not path.exists():
        return None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(_CONNECT_TIMEOUT_S)
        conn.connect(str(path))
    except OSError:
        return None
    with conn:
        return _converse(conn, argv)


def _converse(conn: socket.socket, argv: list[str]) -> int | None:
    request = {
        "argv": argv,
        "cwd": str(Path.cwd()),
        "tty": sys.stderr.isatty(),
        **identity(os.environ),
    }
    try:
        conn.sendall(json.dumps(request).encode() + b"\n")
        replies = conn.makefile("r", encoding="utf-8")
        first = json.loads(replies.readline() or "{}")
        if not first.get("accepted"):
            if first.get("why") in STALE:
                _retire(data_dir())
            return None  # busy, or another environment, interpreter or code: run it here
        conn.settimeout(None)
        return _relay(replies)
    except KeyboardInterrupt:
        return 130  # closing the connection cancels the render on the server
    except (OSError, ValueError):
        return None


def _retire(data_dir: Path) -> None:
    """Stops a server of older code or another interpreter: the command, run here, then
    starts one of this code (api.cli), instead of every later command running here."""
    pid = server_pid(data_dir)
    if pid is not None:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def _relay(replies: Any) -> int | None:
    """Prints what the server's run of the command prints; returns its exit status."""
    for line in replies:
        message = json.loads(line)
        if "exit" in message:
            return int(message["exit"])
        stream = sys.stdout if "out" in message else sys.stderr
        stream.write(message.get("out", message.get("err", "")))
        stream.flush()
    print("scenefarm: the render server stopped; running the command here", file=sys.stderr)
    return None
