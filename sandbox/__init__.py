"""Running untrusted code with limits. Imports nothing else of scenefarm."""

from sandbox.collect import OutputRejected
from sandbox.docker import reap_containers
from sandbox.factory import BACKENDS, DockerOptions, make_sandbox, resolve_backend
from sandbox.limits import SandboxLimits
from sandbox.protocol import Sandbox, SandboxJob, SandboxSpec
from sandbox.reaper import reap_farm
from sandbox.result import (
    JobError,
    SandboxError,
    SandboxFault,
    SandboxResult,
    SandboxStatus,
    SandboxUnavailable,
)
from sandbox.warm import farm_id

__all__ = [
    "BACKENDS",
    "DockerOptions",
    "JobError",
    "OutputRejected",
    "Sandbox",
    "SandboxError",
    "SandboxFault",
    "SandboxJob",
    "SandboxLimits",
    "SandboxResult",
    "SandboxSpec",
    "SandboxStatus",
    "SandboxUnavailable",
    "farm_id",
    "make_sandbox",
    "reap_containers",
    "reap_farm",
    "resolve_backend",
]
