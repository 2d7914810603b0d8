"""What clients may see of internal text: no host paths, no Ray internals (actor ids, node
addresses, task tracebacks), no terminal colour codes. Errors keep their meaning; a failure
inside Ray becomes one plain sentence (the full text is in the runner's log)."""

from __future__ import annotations

import re
from typing import Any

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_RAY = re.compile(
    r"Ray(?:Task|Actor|System)Error|ActorUnavailableError|ActorDiedError|WorkerCrashedError"
    r"|ObjectLostError|OwnerDiedError|ray::|\bray\.exceptions\b"
)
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b")
_HEX_ID = re.compile(r"\b[0-9a-f]{24,}\b")  # Ray actor, task, node and job ids
_PATH = re.compile(r"(?<![\w:/.])/(?:[\w.@+-]+/)+([\w.@+-]*)")  # keeps the last part
WORKER_LOST = "a render worker failed while working on it; running the lesson again may work"


def public_text(text: str) -> str:
    """One error or detail as a client may see it."""
    text = _ANSI.sub("", text)
    if _RAY.search(text):
        head = text.split(":", 1)[0] if text.startswith("internal error") else ""
        return f"{head}: {WORKER_LOST}" if head else WORKER_LOST
    text = _IP.sub("<address>", text)
    text = _HEX_ID.sub("<id>", text)
    return _PATH.sub(lambda m: m.group(1) or "<path>", text)


def without_paths(text: str) -> str:
    """A value (not an error) as a client may see it: host paths cut to their last part."""
    return _PATH.sub(lambda m: m.group(1) or "<path>", _ANSI.sub("", text))


def public_data(value: Any) -> Any:
    """Every string inside a JSON-like value without host paths (reports, event data)."""
    if isinstance(value, str):
        return without_paths(value)
    if isinstance(value, dict):
        return {k: public_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [public_data(v) for v in value]
    return value
