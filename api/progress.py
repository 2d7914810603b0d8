"""Live progress for the CLI: a table per scene on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from cluster.farm import Event
from scenes import EventKind

# Lesson generation: what a scene row says while Claude writes and the sandbox probes it.
_WRITING = {"scene_attempt_failed": "fixing", "scene_written": "written"}
_PRINTED = {
    "lesson_planned",
    "scene_attempt_failed",
    "scene_written",
    "scene_failed",
    "scene_ready",
    "chunks_planned",
    "chunk_done",
    "lesson_ready",
}


@dataclass
class _Row:
    status: str = "probing"
    done: int = 0
    cached: int = 0
    detail: str = ""


@dataclass
class Progress:
    console: Console = field(default_factory=lambda: Console(stderr=True))
    rows: dict[str, _Row] = field(default_factory=dict)
    planned: dict[str, int] = field(default_factory=dict)
    live: Live | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self.live = Live(
                self._table(), console=self.console, refresh_per_second=8, transient=False
            )
            self.live.__enter__()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(t, e, tb)

    def say(self, message: str) -> None:
        self.console.print(f"[dim]scenefarm:[/dim] {message}", highlight=False)

    def __call__(self, event: Event) -> None:
        row = self.rows.setdefault(event.scene, _Row()) if event.scene else None
        if event.kind == EventKind.CHUNK_DONE and row is not None:
            row.status, row.done = "rendering", row.done + 1
            row.cached += bool(event.data.get("cached"))
        elif event.kind == EventKind.SCENE_PROBED and row is not None:
            row.detail = event.detail
        elif event.kind == EventKind.SCENE_FAILED and row is not None:
            row.status, row.detail = "failed", event.detail
        elif event.kind == EventKind.SCENE_READY and row is not None:
            row.status = "ready"
        elif event.kind in _WRITING and row is not None:
            row.status, row.detail = _WRITING[event.kind], event.detail
        if self.live is not None:
            self.live.update(self._table())
        elif event.kind in _PRINTED:
            where = f"{event.scene} {event.chunk}".strip()
            print(
                f"scenefarm: {event.kind} {where} {event.detail}".rstrip(),
                file=sys.stderr,
                flush=True,
            )

    def _table(self) -> Table:
        table = Table(title="scenefarm", expand=False)
        for column in ("scene", "status", "chunks", "cached", "detail"):
            table.add_column(column)
        for name, row in self.rows.items():
            style = {"failed": "red", "ready": "green"}.get(row.status, "")
            table.add_row(
                name,
                f"[{style}]{row.status}[/]" if style else row.status,
                str(row.done),
                str(row.cached),
                row.detail[:80],
            )
        return table
