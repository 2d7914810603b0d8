"""Ray as scenefarm imports it: workers never get the driver's `uv run` environment."""

from __future__ import annotations

import os
import subprocess
import sys


def test_ray_is_imported_without_the_uv_run_hook() -> None:
    probe = (
        "from cluster.farm import ray_api; ray_api._ray();"
        "from ray._private import ray_constants as c; print(c.RAY_ENABLE_UV_RUN_RUNTIME_ENV)"
    )
    env = {k: v for k, v in os.environ.items() if k != "RAY_ENABLE_UV_RUN_RUNTIME_ENV"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
