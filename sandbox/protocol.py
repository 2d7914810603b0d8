"""The Sandbox protocol: what every backend offers the layers above."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sandbox.limits import SandboxLimits
from sandbox.result import SandboxResult

GUEST_DIR = Path(__file__).parent / "guest"


@dataclass(frozen=True)
class SandboxSpec:
    """What a warm sandbox holds: modules pre-imported and guest code it may import."""

    preload: tuple[str, ...] = ()
    guest_dirs: tuple[Path, ...] = ()  # exposed read-only and put on the guest's sys.path
    env: Mapping[str, str] = field(default_factory=dict)
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    owner: str = "local"  # a sandbox never serves two owners
    max_runs: int = 200  # recycled after this many jobs


@dataclass(frozen=True)
class Job:
    """One run inside a sandbox: call `entry` ("module:function") with `payload`."""

    entry: str
    payload: Mapping[str, Any]
    files: Mapping[str, bytes] = field(default_factory=dict)  # written into the job dir first
    outputs: tuple[str, ...] = ()  # job-dir-relative files to collect on success
    limits: SandboxLimits | None = None  # None: the sandbox's defaults
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)


class Sandbox(Protocol):
    """A warm sandbox that runs jobs one at a time, each in a fresh child process."""

    backend: str

    def start(self) -> dict[str, str]:
        """Starts the sandbox if needed; returns the preloaded modules' versions."""
        ...

    def run(self, job: Job, dest_dir: Path) -> SandboxResult:
        """Runs one job; outputs land in dest_dir. Never raises for the job's own failures."""
        ...

    def close(self) -> None: ...
