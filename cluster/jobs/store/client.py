"""The Redis connection: every call has a timeout, and a Redis that does not answer surfaces as
one typed error (JobStoreUnavailable) instead of redis-py's many."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from cluster.jobs.store.errors import JobStoreUnavailable

_DOWN = (RedisConnectionError, RedisTimeoutError)


class GuardedRedis(redis.Redis):
    """redis.Redis whose connection failures and timeouts raise JobStoreUnavailable.

    Only those two: a ResponseError is a bug (or redis-py's own NOSCRIPT handling) and stays.
    """

    def execute_command(self, *args: Any, **options: Any) -> Any:
        with unavailable_as_error():
            return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


@contextmanager
def unavailable_as_error() -> Iterator[None]:
    """For pipelines, whose execute() bypasses execute_command."""
    try:
        yield
    except _DOWN as e:
        raise JobStoreUnavailable(f"the job store (Redis) is unavailable: {e}") from e


def open_redis(url: str, timeout_s: float) -> GuardedRedis:
    """A client for `url` (redis://, rediss:// or unix://); nothing is connected yet."""
    client = GuardedRedis.from_url(
        url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        decode_responses=True,
        health_check_interval=30,
    )
    assert isinstance(client, GuardedRedis)
    return client


# redis-py types replies as bytes | str; with decode_responses=True they are str. These say so
# once, instead of a cast at every call.


def text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def maybe_text(value: object) -> str | None:
    return None if value is None else text(value)


def texts(values: Iterable[object]) -> list[str]:
    return [text(v) for v in values]


def text_map(raw: Mapping[Any, Any]) -> dict[str, str]:
    return {text(k): text(v) for k, v in raw.items()}
