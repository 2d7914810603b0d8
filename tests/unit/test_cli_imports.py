"""The CLI starts light: SDKs that only some commands need are imported when used.

Every `scenefarm render` pays the CLI's import time, and a cached resubmit must finish in
under a second (DESIGN.md); anthropic alone takes 1-2 s to import, boto3 and ray about as much.
"""

from __future__ import annotations

import json
import subprocess
import sys

LAZY = ("anthropic", "boto3", "botocore", "ray", "docker", "httpx", "redis", "fastapi", "uvicorn")


def test_importing_the_cli_loads_no_heavy_sdk() -> None:
    probe = "import sys, json, api.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert loaded.isdisjoint(LAZY), sorted(loaded & set(LAZY))
