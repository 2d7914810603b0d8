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
class SandboxJob:
    """One run inside a sandbox: call `entry` ("module:function") with `payload`."""

    entry: str
    payload: Mapping[str, Any]
    files: Mapping[str, bytes] = field(default_factory=dict)  # written into the job dir first
    outputs: tuple[str, ...] = ()  # job-dir-relative files to collect on success
    limits: SandboxLimits | None = None  # None: the sandbox's defaults
    job_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Whose code this is. A warm sandbox keeps what its jobs leave in its cache (LaTeX and text
    # SVGs) for the next job, so it is bound to one owner: a job of another owner gets a fresh
    # sandbox (the old one, caches and all, is removed first). None: the spec's owner.
    #
    # Results cached outside the sandbox (chunks, probes) are keyed by content hash. A job can
    # poison its own sandbox's cache so that honest code C, run there next, yields a forged
    # result, and the cache would then serve it to anyone submitting C. A result for C "only
    # ever produced from C in a clean sandbox" would need a fresh sandbox (a cold start) for
    # every cacheable job, and the host cannot check a rendered chunk short of rendering it
    # again. So the decision is per-owner entries: the owner is part of every chunk and probe
    # cache key, and a forged result can only reach the owner whose code forged it. The cost
    # is no sharing of renders across owners.
    owner: str | None = None


class Sandbox(Protocol):
    """A warm sandbox that runs jobs one at a time, each in a fresh child process."""

    backend: str

    def start(self) -> dict[str, str]:
        """Starts the sandbox if needed; returns the preloaded modules' versions."""
        ...

    def run(self, job: SandboxJob, dest_dir: Path) -> SandboxResult:
        """Runs one job; outputs land in dest_dir. Never raises for the job's own failures."""
        ...

    def close(self) -> None: ...
