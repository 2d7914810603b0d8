"""The render server: `scenefarm render` without the CLI's start-up cost.

Before its first task reaches a worker, a CLI process spends about 0.8 s (a sixth of a sample
lesson's render) importing scenefarm and Ray and joining the cluster. The render server pays
that once: it runs beside the local cluster, joined to it, and a `scenefarm render` hands it the
command (its argv, working dir and terminal) over a Unix socket in the cluster's state dir,
then prints what the server's run of it prints and exits with its status. The command runs
exactly as the CLI runs it (api.cli.main), so output, report and exit status are the same.

It takes one command at a time, and only from a client with its own settings environment,
interpreter and code (api.render_client.identity); any other client, or one that finds it
busy, runs the command itself, as it would without a server. A client that goes away (Ctrl-C)
cancels its render. The first CLI run that finds the local cluster up and no server starts one;
it stops with the cluster (`scenefarm down`, the idle watchdog) and when the cluster is gone.

    python -m api.render_server DATA_DIR
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import logging
import os
import socket
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from api import cli
from api.render_client import PID_FILE, SOCKET, identity
from api.settings import get_settings
from cluster.farm import logs, ray_api, running_address

log = logging.getLogger(__name__)
WATCH_S = 1.0  # how often the server looks whether its cluster is still up
LOCK_FILE = "render_server.lock"
EXIT_CANCELLED = 130


class _Replies:
    """The connection's writing side, shared by the command's stdout and stderr."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.lock = threading.Lock()
        self.gone = False

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\n"
        with self.lock:
            if self.gone:
                return
            try:
                self.conn.sendall(data)
            except OSError:
                self.gone = True  # the client left: the render is being cancelled


class _Stream(io.TextIOBase):
    """stdout or stderr of a command run for a client: what is written goes to the client."""

    def __init__(self, replies: _Replies, kind: str, tty: bool) -> None:
        self.replies, self.kind, self.tty = replies, kind, tty

    def write(self, text: str) -> int:
        if text:
            self.replies.send({self.kind: text})
        return len(text)

    def isatty(self) -> bool:
        return self.tty


class _CurrentStderr(logging.Handler):
    """Log records go to whatever sys.stderr is now: the client's, while a command runs."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 (logging's own contract: a handler never raises)
            self.handleError(record)


class RenderServer:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.state = data_dir / "ray"
        self.identity = identity(os.environ)
        self.busy = threading.Lock()

    def serve(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = self.state / SOCKET
        path.unlink(missing_ok=True)
        listener.bind(str(path))
        path.chmod(0o600)
        listener.listen(16)
        (self.state / PID_FILE).write_text(str(os.getpid()))
        threading.Thread(target=self._watch_cluster, daemon=True).start()
        log.warning("render server %s listening on %s", os.getpid(), path)
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _watch_cluster(self) -> None:
        """Ends the server once its cluster is gone (stopped, idle, or crashed)."""
        while running_address(self.data_dir) is not None:
            time.sleep(WATCH_S)
        log.warning("the local cluster is gone: render server exits")
        (self.state / SOCKET).unlink(missing_ok=True)
        os._exit(0)

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = json.loads(conn.makefile("r", encoding="utf-8").readline() or "{}")
            except (OSError, ValueError):
                return
            replies = _Replies(conn)
            why = self._refusal(request)
            if why is not None or not self.busy.acquire(blocking=False):
                replies.send({"accepted": False, "why": why or "busy"})
                return
            try:
                replies.send({"accepted": True})
                replies.send({"exit": self._run(request, conn, replies)})
            finally:
                self.busy.release()

    def _refusal(self, request: dict[str, Any]) -> str | None:
        for key, mine in self.identity.items():
            if request.get(key) != mine:
                return f"another {key}"
        if not isinstance(request.get("argv"), list) or not isinstance(request.get("cwd"), str):
            return "a malformed request"
        return None

    def _run(self, request: dict[str, Any], conn: socket.socket, replies: _Replies) -> int:
        """Runs the client's command here, as the CLI would, printing to the client."""
        left = threading.Event()
        threading.Thread(target=_wait_for_leaving, args=(conn, left), daemon=True).start()
        tty = bool(request.get("tty"))
        out, err = _Stream(replies, "out", tty), _Stream(replies, "err", tty)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                argv = [str(a) for a in request["argv"]]
                return cli.main(argv, cwd=Path(request["cwd"]), cancelled=left.is_set)
            except SystemExit as e:  # argparse: usage errors
                return e.code if isinstance(e.code, int) else 2
            except Exception as e:  # noqa: BLE001 (what would end the CLI with a traceback)
                if left.is_set():
                    return EXIT_CANCELLED
                traceback.print_exception(e)
                return 1


def _wait_for_leaving(conn: socket.socket, left: threading.Event) -> None:
    """Sets `left` when the client closes its end (Ctrl-C): the render is then cancelled."""
    with contextlib.suppress(OSError):
        while conn.recv(1024):
            pass
    left.set()


def main(argv: list[str]) -> int:
    logs.configure(get_settings().log_format, handler=_CurrentStderr())
    data_dir = Path(argv[0])
    lock = (data_dir / "ray" / LOCK_FILE).open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another server serves this data dir
    address = running_address(data_dir)
    if address is None:
        return 0
    server = RenderServer(data_dir)  # its identity as started: before Ray adds RAY_* variables
    ray_api.connect(address)  # joined once, for every command it will run
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
