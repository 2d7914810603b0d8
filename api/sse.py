"""Server-Sent Events of a lesson, from its Redis stream, resumable with Last-Event-ID.

Each event is `id: <stream id>`, `event: <kind>`, `data: <JSON>`. The stream ends once no job
runs and every event has been sent; a client reconnecting with Last-Event-ID gets only what
came after. While waiting, a comment line every few seconds keeps proxies from closing it.

Streams are async generators on the event loop (reads through `LiveEvents`), so an open
stream holds no thread; each API key may hold `max_per_key` streams at once in a process.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from pydantic import ValidationError

from api.payloads import LessonEvent
from api.redact import public_data, public_text
from cluster.jobs.store import JobStoreUnavailable, StoredEvent
from cluster.jobs.store.live import LiveEvents

log = logging.getLogger(__name__)
BATCH = 100
RETRY_MS = 2000


def frame(event: StoredEvent) -> str:
    """One SSE event; its text as clients may see it (no host paths, no Ray internals), typed
    as the document's `LessonEvent`."""
    body = event.model_dump(exclude={"id"})
    body["detail"], body["data"] = public_text(event.detail), public_data(event.data)
    return f"id: {event.id}\nevent: {event.kind}\ndata: {_typed(body)}\n\n"


def _typed(body: dict[str, Any]) -> str:
    """The payload as its `LessonEvent` model writes it. One the model does not describe is a
    bug here (tests read every kind through the model), but it is still sent as it is: a
    client's stream does not end on it."""
    try:
        return LessonEvent.model_validate(body).model_dump_json()
    except ValidationError as e:
        log.error("event %s does not match LessonEvent: %s", body.get("kind"), e)
        return json.dumps(body, separators=(",", ":"))


class TooManyStreams(Exception):
    """This key holds as many open event streams as it may."""


class EventStreams:
    def __init__(self, live: LiveEvents, block_ms: int, max_per_key: int, max_all: int) -> None:
        self.live = live
        self.block_ms = block_ms
        self.max_per_key = max_per_key
        self.max_all = max_all
        self.lock = threading.Lock()  # routes check in from threads; streams leave on the loop
        self.open: Counter[str] = Counter()

    def stream(self, key_id: str, lesson_id: str, after: str) -> AsyncIterator[str]:
        """The stream, counted against the key now; TooManyStreams past its cap."""
        with self.lock:
            if self.open[key_id] >= self.max_per_key:
                raise TooManyStreams(f"at most {self.max_per_key} open event streams per key")
            if self.open.total() >= self.max_all:
                raise TooManyStreams(
                    f"this server holds its most open event streams ({self.max_all})"
                )
            self.open[key_id] += 1
        return self._counted(key_id, lesson_id, after)

    async def _counted(self, key_id: str, lesson_id: str, after: str) -> AsyncIterator[str]:
        try:
            async for chunk in self._events(lesson_id, after):
                yield chunk
        finally:
            with self.lock:
                self.open[key_id] -= 1
                if self.open[key_id] <= 0:
                    del self.open[key_id]

    async def _events(self, lesson_id: str, after: str) -> AsyncIterator[str]:
        yield f"retry: {RETRY_MS}\n\n"
        while True:
            try:
                idle = not await self.live.is_active(lesson_id)  # before reading: no race
                events = await self.live.read(
                    lesson_id, after, None if idle else self.block_ms, BATCH
                )
            except JobStoreUnavailable as e:
                log.warning("event stream ended: %s", e, extra={"lesson": lesson_id})
                return  # the client reconnects with Last-Event-ID once Redis is back
            for event in events:
                after = event.id
                yield frame(event)
            if idle and len(events) < BATCH:
                return
            if not events:
                yield ": keep-alive\n\n"
