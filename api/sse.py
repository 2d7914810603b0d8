"""Server-Sent Events of a lesson, from its Redis stream, resumable with Last-Event-ID.

Each event is `id: <stream id>`, `event: <kind>`, `data: <JSON>`. The stream ends once no job
runs and every event has been sent; a client reconnecting with Last-Event-ID gets only what
came after. While waiting, a comment line every few seconds keeps proxies from closing it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from cluster.jobs.store import JobStore, StoredEvent

BATCH = 100
RETRY_MS = 2000


def frame(event: StoredEvent) -> str:
    data = json.dumps(event.model_dump(exclude={"id"}), separators=(",", ":"))
    return f"id: {event.id}\nevent: {event.kind}\ndata: {data}\n\n"


def stream(store: JobStore, lesson_id: str, after: str, block_ms: int) -> Iterator[str]:
    """Runs in a thread per `next()`: each call blocks for at most block_ms."""
    yield f"retry: {RETRY_MS}\n\n"
    while True:
        idle = not store.lessons.is_active(lesson_id)  # looked at before reading: no race
        events = store.events.read(lesson_id, after, None if idle else block_ms, BATCH)
        for event in events:
            after = event.id
            yield frame(event)
        if idle and len(events) < BATCH:
            return
        if not events:
            yield ": keep-alive\n\n"
