"""The embedded Redis: a detached `redis-server` on a unix socket in the data dir.

Like the local Ray cluster, it is started on first use and outlives the command that started
it, so `scenefarm keys create` works before, while and after `scenefarm serve` runs, and
restarting `serve` loses nothing. It listens on no TCP port (`port 0`) and keeps its data as an
append-only file in `DATA_DIR/redis/`; `scenefarm down` stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from cluster.farm.ray_head import private_dir

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
SOCKET = "redis.sock"
UNIX_PATH_MAX = 107  # sun_path is 108 bytes with its NUL


class RedisStartError(Exception):
    """The embedded redis-server could not be started."""


def redis_dir(data_dir: Path) -> Path:
    """The server's dir, 0700 (and the data dir, if made here): its AOF holds webhook secrets,
    key hashes and scene code."""
    return private_dir(data_dir / "redis")


def socket_path(data_dir: Path) -> Path:
    return data_dir.resolve() / "redis" / SOCKET


def url_for(data_dir: Path) -> str:
    return f"unix://{socket_path(data_dir)}"


@contextlib.contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    fd = os.open(redis_dir(data_dir) / "lock", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _answers(path: Path) -> bool:
    """True when something accepts connections on the socket and answers PING."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1.0)
            s.connect(str(path))
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def _config(data_dir: Path) -> str:
    """Written to a file rather than passed as arguments: paths with spaces stay intact."""
    home = redis_dir(data_dir).resolve()
    lines = [
        "port 0",  # no TCP at all: only this machine's users with access to the socket
        f'unixsocket "{home / SOCKET}"',
        "unixsocketperm 700",
        "daemonize yes",
        f'pidfile "{home / "redis.pid"}"',
        f'logfile "{home / "redis.log"}"',
        f'dir "{home}"',
        "appendonly yes",
        "appendfsync everysec",
        'save ""',  # the AOF is the persistence; no RDB snapshots besides it
    ]
    return "\n".join(lines) + "\n"


def ensure_local_redis(data_dir: Path) -> tuple[str, bool]:
    """The embedded Redis's URL, starting it if it is not running; and whether it was started."""
    path = socket_path(data_dir)
    if len(str(path)) > UNIX_PATH_MAX:
        raise RedisStartError(
            f"{path} is too long for a unix socket ({UNIX_PATH_MAX} bytes at most): "
            "choose a shorter SCENEFARM_DATA_DIR or set REDIS_URL"
        )
    with _lock(data_dir):
        if _answers(path):
            return url_for(data_dir), False
        _start(data_dir, path)
        return url_for(data_dir), True


def _start(data_dir: Path, path: Path) -> None:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisStartError("redis-server is not installed (Debian: apt-get install redis)")
    conf = redis_dir(data_dir) / "redis.conf"
    conf.write_text(_config(data_dir))
    conf.chmod(0o600)
    path.unlink(missing_ok=True)  # a stale socket from a crashed server
    done = subprocess.run(
        [binary, str(conf)],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
        check=False,
        umask=0o077,  # its AOF, RDB, log and pid file: ours alone
    )
    if done.returncode != 0:
        raise RedisStartError(f"redis-server failed: {(done.stderr or done.stdout)[-800:]}")
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _answers(path):  # it loads the AOF before it answers
        if time.monotonic() > deadline:
            raise RedisStartError(f"redis-server did not answer on {path}; see its redis.log")
        time.sleep(0.05)


def running_url(data_dir: Path) -> str | None:
    return url_for(data_dir) if _answers(socket_path(data_dir)) else None


def stop_local_redis(data_dir: Path) -> bool:
    """Stops this data dir's redis-server (it writes its AOF first); True if one was running."""
    if not (data_dir / "redis").is_dir():
        return False
    with _lock(data_dir):
        proc = _server_process(data_dir)
        if proc is None:
            return False
        with contextlib.suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)  # redis's graceful shutdown
            proc.wait(STOP_TIMEOUT_S)
        return True


def _server_process(data_dir: Path) -> psutil.Process | None:
    """The redis-server whose pid file is ours, checked by name (pids are reused)."""
    try:
        pid = int((redis_dir(data_dir) / "redis.pid").read_text())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        proc = psutil.Process(pid)
        return proc if "redis-server" in proc.name() else None
    except psutil.Error:
        return None
