"""Progress events of a lesson render: what the CLI shows and, later, SSE and webhooks read."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Event:
    # lesson_started, scene_probed, scene_planned, chunk_done, chunks_planned (every scene
    # planned), scene_failed, scene_ready, lesson_ready
    kind: str
    lesson: str
    scene: str = ""
    chunk: str = ""
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)
