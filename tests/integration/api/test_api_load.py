"""A small version of bench/bench_api_load.py, asserting correctness only: under a burst of
lessons from several owners with many event streams open, nothing is lost or stuck, every
stream ends with its job's end and strictly increasing ids, and nothing answers 5xx."""

from __future__ import annotations

import pytest
from support.api_load import run_load, summary

from .conftest import ApiServer

pytestmark = pytest.mark.integration


def test_a_burst_of_lessons_with_many_streams_loses_nothing(api: ApiServer) -> None:
    keys = [api.key(f"load{n}").key for n in range(2)]
    result = run_load(api.url, keys, lessons_per_owner=3, streams=10, timeout_s=400)
    figures = summary(result)
    assert figures["lessons"] == 6 and figures["lost_or_stuck"] == 0, figures
    assert figures["ready"] == 6, result.lessons
    assert figures["streams_complete"] == figures["streams"] == 10, [
        (s.lesson_id, s.error, s.kinds[-3:]) for s in result.streams if not s.complete
    ]
    assert figures["streams_increasing"] == 10
    assert figures["server_errors"] == 0 and figures["healthz_samples"] > 0
