"""One Redis stream per lesson: every event, capped, read from any point (SSE's Last-Event-ID)."""

from __future__ import annotations

import json
import re
from typing import Any

from redis.typing import EncodableT, FieldT

from cluster.farm.events import Event
from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import GuardedRedis, text, text_map
from cluster.jobs.store.models import StoredEvent

_STREAM_ID = re.compile(r"^([0-9]{1,20})-([0-9]{1,20})$")
START = "0-0"
_U64 = 2**64


def valid_stream_id(value: str) -> bool:
    """A Redis stream id (two unsigned 64-bit numbers): one we can resume after."""
    match = _STREAM_ID.match(value)
    return match is not None and all(int(part) < _U64 for part in match.groups())


class EventLog:
    def __init__(self, client: GuardedRedis, max_len: int) -> None:
        self.r = client
        self.max_len = max_len

    def append(self, event: Event) -> str:
        fields: dict[FieldT, EncodableT] = {
            "kind": event.kind,
            "scene": event.scene,
            "chunk": event.chunk,
            "detail": event.detail,
            "data": json.dumps(event.data, default=str),
            "at": repr(event.at),
        }
        # approximate trimming: Redis trims whole nodes, which keeps XADD O(1)
        stream_id = self.r.xadd(
            redis_keys.events(event.lesson), fields, maxlen=self.max_len, approximate=True
        )
        return text(stream_id)

    def read(
        self, lesson_id: str, after: str = START, block_ms: int | None = None, count: int = 100
    ) -> list[StoredEvent]:
        """Events after stream id `after`; waits up to block_ms for the first one if asked."""
        reply: Any = self.r.xread(
            {redis_keys.events(lesson_id): after}, count=count, block=block_ms
        )
        if not reply:
            return []
        _, entries = reply[0]  # RESP2: [[stream, [(id, fields), ...]]]
        return [stored(lesson_id, text(i), text_map(f or {})) for i, f in entries]


def stored(lesson_id: str, stream_id: str, fields: dict[str, str]) -> StoredEvent:
    return StoredEvent(
        id=stream_id,
        kind=fields.get("kind", ""),
        lesson=lesson_id,
        scene=fields.get("scene", ""),
        chunk=fields.get("chunk", ""),
        detail=fields.get("detail", ""),
        data=json.loads(fields.get("data") or "{}"),
        at=float(fields.get("at") or 0.0),
    )
