"""Picks a sandbox backend: SCENEFARM_SANDBOX / --sandbox = auto | docker | bwrap."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sandbox.bwrap import BwrapLauncher
from sandbox.docker import DEFAULT_IMAGE, DockerLauncher, docker_ready
from sandbox.protocol import Sandbox, SandboxSpec
from sandbox.result import SandboxUnavailable
from sandbox.warm import Launcher, WarmSandbox

log = logging.getLogger(__name__)
BACKENDS = ("auto", "docker", "bwrap")


@dataclass(frozen=True)
class DockerOptions:
    image: str = DEFAULT_IMAGE
    runtime: str | None = None  # "runsc" runs the containers under gVisor
    cpus: float = 1.0


def resolve_backend(kind: str, docker: DockerOptions | None = None) -> str:
    """The concrete backend for `kind`: auto is docker when usable, else bwrap (logged)."""
    if kind not in BACKENDS:
        raise SandboxUnavailable(
            f"unknown sandbox backend {kind!r}; choose one of {', '.join(BACKENDS)}"
        )
    if kind != "auto":
        return kind
    reason = docker_ready((docker or DockerOptions()).image)
    if reason is None:
        log.info("sandbox backend: docker (daemon reachable, image present)")
        return "docker"
    log.info("sandbox backend: bwrap (docker not used: %s)", reason)
    return "bwrap"


def make_sandbox(
    kind: str,
    spec: SandboxSpec,
    state_root: Path | None = None,
    docker: DockerOptions | None = None,
) -> Sandbox:
    """A warm sandbox of the requested kind; raises SandboxUnavailable with the reason."""
    options = docker or DockerOptions()
    launcher: Launcher
    if resolve_backend(kind, options) == "docker":
        launcher = DockerLauncher(options.image, options.runtime, options.cpus)
    else:
        launcher = BwrapLauncher()
    return WarmSandbox(launcher, spec, state_root)
