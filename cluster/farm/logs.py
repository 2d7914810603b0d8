"""Logs that carry their ids: the lesson, scene and chunk (and job, task, worker) ids that the
farm passes as `extra` are printed on every line, as `key=value` for people or, with
`SCENEFARM_LOG_FORMAT=json`, as one JSON object per line for a cluster's log collector."""

from __future__ import annotations

import json
import logging
from typing import Any

# The `extra` fields scenefarm's modules pass, in the order they are printed.
ID_FIELDS = (
    "lesson",
    "job",
    "scene",
    "chunk",
    "task",
    "worker",
    "runner",
    "attempt",
    "backend",
    "uid",
    "status",
    "error",
)
FORMATS = ("text", "json")


class TextFormatter(logging.Formatter):
    """`LEVEL logger: message key=value ...`."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = " ".join(f"{k}={v}" for k, v in _ids(record).items())
        return f"{line} {ids}" if ids else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and any exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": round(record.created, 3),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_ids(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _ids(record: logging.LogRecord) -> dict[str, Any]:
    return {k: getattr(record, k) for k in ID_FIELDS if getattr(record, k, None) is not None}


def formatter(kind: str) -> logging.Formatter:
    if kind not in FORMATS:
        raise ValueError(f"unknown log format {kind!r} (expected one of {', '.join(FORMATS)})")
    return JsonFormatter() if kind == "json" else TextFormatter()


def configure(
    kind: str, level: int = logging.WARNING, handler: logging.Handler | None = None
) -> None:
    """Sets up the root logger of this process (the CLI, the API, the render server)."""
    handler = handler or logging.StreamHandler()
    handler.setFormatter(formatter(kind))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def configure_unset(kind: str) -> None:
    """Sets up the root logger of a process nobody set up: a Ray worker process running a
    lesson runner or render worker (not a test process, nor a CLI that runs a farm in it)."""
    if not logging.getLogger().handlers:
        configure(kind)
