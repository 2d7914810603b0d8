"""Progress events of a lesson render: what the CLI shows and, later, SSE and webhooks read."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from scenes.event_kinds import EventKind

__all__ = ["Event", "EventKind"]


@dataclass(frozen=True)
class Event:
    kind: EventKind  # every kind, documented, is in scenes/event_kinds.py
    lesson: str
    scene: str = ""
    chunk: str = ""
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)
