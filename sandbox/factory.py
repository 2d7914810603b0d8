"""Picks a sandbox backend: SCENEFARM_SANDBOX / --sandbox = auto | docker | bwrap."""

from __future__ import annotations

import logging
from pathlib import Path

from sandbox.bwrap import BwrapLauncher
from sandbox.protocol import Sandbox, SandboxSpec
from sandbox.result import SandboxUnavailable
from sandbox.warm import WarmSandbox

log = logging.getLogger(__name__)
BACKENDS = ("auto", "bwrap")


def make_sandbox(kind: str, spec: SandboxSpec, state_root: Path | None = None) -> Sandbox:
    """A warm sandbox of the requested kind; raises SandboxUnavailable with the reason."""
    if kind not in BACKENDS:
        raise SandboxUnavailable(
            f"unknown sandbox backend {kind!r}; choose one of {', '.join(BACKENDS)}"
        )
    launcher = BwrapLauncher()
    if kind == "auto":
        log.info("sandbox backend chosen: %s", launcher.name)
    return WarmSandbox(launcher, spec, state_root)
