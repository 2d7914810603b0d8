"""Running untrusted code with limits. Imports nothing else of scenefarm."""

from sandbox.collect import OutputRejected
from sandbox.factory import BACKENDS, make_sandbox
from sandbox.limits import SandboxLimits
from sandbox.protocol import Job, Sandbox, SandboxSpec
from sandbox.result import (
    JobError,
    SandboxError,
    SandboxResult,
    SandboxStatus,
    SandboxUnavailable,
)

__all__ = [
    "BACKENDS",
    "Job",
    "JobError",
    "OutputRejected",
    "Sandbox",
    "SandboxError",
    "SandboxLimits",
    "SandboxResult",
    "SandboxSpec",
    "SandboxStatus",
    "SandboxUnavailable",
    "make_sandbox",
]
