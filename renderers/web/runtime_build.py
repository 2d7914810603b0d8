"""The web runtime's files on the host: the esbuild binary, the built page runtime, its version.

The runtime is built from renderers/web/runtime (npm ci; node build.mjs) by `make setup`;
`ensure_built` builds it when missing (our own sources and React only: scene code is never
bundled).
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
from functools import cache
from pathlib import Path

from renderers.errors import RenderError

RUNTIME_DIR = Path(__file__).parent / "runtime"
DIST = RUNTIME_DIR / "dist" / "runtime.js"
BUILD_TIMEOUT_S = 120


class RuntimeMissing(RenderError):
    """The web runtime is not installed (npm ci in renderers/web/runtime) or not built."""


def _platform_dir() -> str:
    machine = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return f"linux-{machine}"


def esbuild_binary() -> Path:
    """The native esbuild executable (called directly: no node process per transform)."""
    native = RUNTIME_DIR / "node_modules" / "@esbuild" / _platform_dir() / "bin" / "esbuild"
    if native.is_file():
        return native
    raise RuntimeMissing(f"esbuild is not installed: run `npm ci` in {RUNTIME_DIR}")


def ensure_built() -> Path:
    """dist/runtime.js, built now if it is missing or older than a source file."""
    sources = [*RUNTIME_DIR.joinpath("src").glob("*.ts*"), RUNTIME_DIR / "build.mjs"]
    newest = max(p.stat().st_mtime for p in sources)
    if DIST.is_file() and DIST.stat().st_mtime >= newest:
        return DIST
    node = shutil.which("node")
    if node is None:
        raise RuntimeMissing("node is not installed (Debian package nodejs)")
    esbuild_binary()
    done = subprocess.run(
        [node, "build.mjs"],
        cwd=RUNTIME_DIR,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeMissing(f"building the web runtime failed: {done.stderr[-800:]}")
    return DIST


@cache
def runtime_bytes() -> bytes:
    return ensure_built().read_bytes()


def runtime_version() -> str:
    """The package version and a hash of the built runtime (part of every cache key)."""
    package = json.loads((RUNTIME_DIR / "package.json").read_text())
    digest = hashlib.sha256(runtime_bytes()).hexdigest()[:16]
    return f"{package['version']}+{digest}"
