"""Narration fixtures: short synthetic scene videos (ffmpeg's test sources), espeak-ng for the
voice, and a local Polly server for the cloud provider. Nothing here needs Ray or a sandbox."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.polly_server import PollyServer

FPS = 15
SIZE = "854x480"  # quality l
SOURCES = ("testsrc", "testsrc2", "smptebars", "rgbtestsrc", "mandelbrot", "cellauto")


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (scripts/install-system.sh installs it)")


def scene_video(path: Path, frames: int, source: str = "testsrc") -> Path:
    """`frames` frames of an ffmpeg test pattern, encoded as the farm encodes (H.264, yuv420p,
    CRF 23), index first."""
    need("ffmpeg")
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi"]
    argv += ["-i", f"{source}=size={SIZE}:rate={FPS}", "-frames:v", str(frames)]
    argv += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
    argv += ["-movflags", "+faststart", str(path)]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)
    return path


@pytest.fixture
def polly_server() -> Iterator[PollyServer]:
    with PollyServer() as server:
        yield server


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 signs with test credentials and never looks for real ones."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
