"""Resource limits for one sandboxed job, with sane defaults and per-run overrides."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class SandboxLimits:
    cpu_s: int = 300
    wall_s: int = 600
    memory_mb: int = 4096
    processes: int = 64
    file_size_mb: int = 512
    output_mb: int = 64  # stdout + stderr of one job
    scratch_mb: int = 2048

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if type(value) is not int or value <= 0:
                raise ValueError(f"sandbox limit {name} must be a positive integer, got {value!r}")

    def override(self, **changes: int | None) -> SandboxLimits:
        """Returns a copy with the given limits changed; None leaves a limit as it is."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_wire(self) -> dict[str, Any]:
        return asdict(self)
