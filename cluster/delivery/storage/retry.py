"""Bounded exponential backoff with full jitter, for every remote storage call."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first try included
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError(f"invalid retry policy {self}")

    def delay_s(self, retry: int, jitter: float) -> float:
        """The wait before retry number `retry` (0-based); `jitter` in [0, 1).

        Full jitter (a uniform wait up to the exponential cap) spreads out clients that failed
        together, so a throttled bucket is not hit again in lockstep.
        """
        cap = min(self.max_delay_s, self.base_delay_s * 2.0**retry)
        return cap * jitter

    def call(
        self,
        fn: Callable[[], T],
        retryable: Callable[[BaseException], bool],
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> T:
        """Runs fn until it succeeds, fails with a non-retryable error, or attempts run out."""
        for retry in range(self.attempts):
            try:
                return fn()
            except Exception as e:
                if retry + 1 >= self.attempts or not retryable(e):
                    raise
            sleep(self.delay_s(retry, jitter()))
        raise AssertionError("unreachable: the last attempt returns or raises")
