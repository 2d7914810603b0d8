"""Reading a lesson's events without a thread: the asyncio side of the job store, for SSE.

A Server-Sent Events stream waits on Redis (XREAD BLOCK) most of its life. On asyncio each
wait is a coroutine holding one connection, so hundreds of open streams cost no thread of the
API's pool and never delay another request.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import text, text_map
from cluster.jobs.store.errors import JobStoreUnavailable
from cluster.jobs.store.events import START, stored
from cluster.jobs.store.models import StoredEvent


class LiveEvents:
    def __init__(self, url: str, timeout_s: float, longest_block_ms: int, readers: int) -> None:
        """`readers`: how many reads may wait at once (each holds a connection meanwhile;
        redis-py's default pool of 100 refused the 101st open stream)."""
        # a blocked read answers after block_ms at the latest: the socket waits longer than that
        self.r = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout_s + longest_block_ms / 1000,
            socket_connect_timeout=timeout_s,
            decode_responses=True,
            max_connections=readers,
        )

    async def is_active(self, lesson_id: str) -> bool:
        try:
            return bool(await self.r.sismember(redis_keys.ACTIVE, lesson_id))
        except (RedisConnectionError, RedisTimeoutError) as e:
            raise JobStoreUnavailable(f"the job store (Redis) is unavailable: {e}") from e

    async def read(
        self, lesson_id: str, after: str = START, block_ms: int | None = None, count: int = 100
    ) -> list[StoredEvent]:
        """Events after stream id `after`; waits up to block_ms for the first one if asked."""
        try:
            reply: Any = await self.r.xread(
                {redis_keys.events(lesson_id): after}, count=count, block=block_ms
            )
        except (RedisConnectionError, RedisTimeoutError) as e:
            raise JobStoreUnavailable(f"the job store (Redis) is unavailable: {e}") from e
        if not reply:
            return []
        _, entries = reply[0]
        return [stored(lesson_id, text(i), text_map(f or {})) for i, f in entries]

    async def close(self) -> None:
        await self.r.aclose()
