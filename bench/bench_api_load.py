"""A bounded loopback load on the HTTP API: 4 owners x 6 tiny lessons, 200 event streams
following them, and /healthz and GET /v1/lessons timed while it all runs. Prints the figures
(p95 latencies, lessons lost or stuck, streams complete with strictly increasing ids); never
asserts a timing. Starts its own `scenefarm serve` on a fresh data dir (local Ray, embedded
Redis) and stops it with `scenefarm down`.

    .venv/bin/python bench/bench_api_load.py [--owners 4] [--lessons 6] [--streams 200]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.api_load import dumps, run_load

CLI = str(Path(sys.executable).with_name("scenefarm"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(data_dir: Path, owners: int, streams: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_ADDRESS", "REDIS_URL")}
    env.pop("ANTHROPIC_API_KEY", None)
    env |= {
        "SCENEFARM_DATA_DIR": str(data_dir),
        "SCENEFARM_QUOTA_CONCURRENT_RENDERS": "6",
        "SCENEFARM_SSE_MAX_STREAMS_PER_KEY": str(streams // owners + 8),
    }
    env.setdefault("SCENEFARM_SANDBOX", "bwrap")
    return env


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CLI, "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise SystemExit("serve did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--owners", type=int, default=4)
    parser.add_argument("--lessons", type=int, default=6, help="per owner")
    parser.add_argument("--streams", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scenefarm-load-") as tmp:
        data_dir = Path(tmp)
        env, port = env_for(data_dir, args.owners, args.streams), free_port()
        make = [CLI, "keys", "create", "--owner"]
        keys = [
            subprocess.run(
                [*make, f"owner{n}"], env=env, capture_output=True, text=True, check=True
            ).stdout.strip()
            for n in range(args.owners)
        ]
        proc = serve(env, port, data_dir / "serve.log")
        try:
            started = time.monotonic()
            result = run_load(f"http://127.0.0.1:{port}", keys, args.lessons, args.streams)
            print(dumps(result))
            print(f"wall: {time.monotonic() - started:.1f} s")
        finally:
            proc.terminate()
            proc.wait(60)
            subprocess.run([CLI, "down"], env=env, capture_output=True, timeout=120, check=False)


if __name__ == "__main__":
    main()
