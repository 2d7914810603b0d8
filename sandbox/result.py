"""Typed outcomes of a sandboxed job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class SandboxStatus(StrEnum):
    OK = "ok"
    ERROR = "error"  # the job's own code raised
    TIMEOUT = "timeout"  # wall clock or CPU time ran out
    MEMORY = "memory"
    KILLED = "killed"  # died by a signal, or took its sandbox down with it
    FORBIDDEN = "forbidden"  # tried something the sandbox does not allow
    OUTPUT_REJECTED = "output_rejected"  # an output was a link, a device, too big, or missing


@dataclass(frozen=True)
class JobError:
    """What the job's code raised, as reported from inside the sandbox (untrusted text)."""

    type: str
    message: str
    traceback: str = ""
    frames: tuple[tuple[str, int, str], ...] = ()
    errno: int | None = None  # of the OS error behind it, if any

    def line_in(self, filename: str) -> int | None:
        """The innermost line number reported for a frame in `filename`, if any."""
        for frame_file, line, _ in reversed(self.frames):
            if Path(frame_file).name == filename:
                return line
        return None


@dataclass(frozen=True)
class SandboxResult:
    status: SandboxStatus
    exit_code: int | None
    duration_s: float
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0
    stdout_tail: str = ""
    stderr_tail: str = ""
    value: Any = None  # JSON data the job returned; validate before use
    error: JobError | None = None
    detail: str = ""  # why the host chose this status
    outputs: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is SandboxStatus.OK


class SandboxError(Exception):
    """The sandbox itself could not be started or stopped working (not the job's fault)."""


class SandboxFault(SandboxError):
    """The sandbox became unusable between jobs (its scratch space exhausted, its cache beyond
    repair): recycled, and the job is to be retried elsewhere. Never the job's own error."""


class SandboxUnavailable(SandboxError):
    """The requested backend is not usable on this machine."""


_CONTROL = re.compile(
    r"\x1b\[[0-9;?]*[ -/]*[@-~]"  # CSI (colours, cursor moves)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (titles, hyperlinks), ended by BEL or ESC \\
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # any other C0 or C1 control, ESC included
)


def sanitize(text: str, limit: int = 8192) -> str:
    """Strips control and escape sequences and keeps the last `limit` characters."""
    return _CONTROL.sub("", text)[-limit:] if limit > 0 else ""
