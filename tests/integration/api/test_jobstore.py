"""The job store against a real redis-server: the embedded one, started as `scenefarm` does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.farm.events import Event
from cluster.jobs.redis_server import ensure_local_redis, running_url, stop_local_redis
from cluster.jobs.store import (
    Busy,
    IdempotencyConflict,
    Job,
    JobOp,
    JobStore,
    JobStoreUnavailable,
    KeyRejected,
    QuotaExceeded,
    QuotaLimits,
    open_jobstore,
)

pytestmark = pytest.mark.integration
NOON = 1_795_000_000.0 - 1_795_000_000.0 % 86_400 + 43_200  # some UTC day, at noon


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    stop_local_redis(tmp_path)


@pytest.fixture
def store(home: Path) -> Iterator[JobStore]:
    url, started = ensure_local_redis(home)
    assert started and url.startswith("unix://")
    store = open_jobstore(url, 2.0, QuotaLimits(lessons_per_day=2, concurrent_renders=1))
    yield store
    store.close()


def _job(lesson_id: str, number: int = 1) -> Job:
    return Job(lesson_id=lesson_id, number=number, op=JobOp.CREATE_FROM_CODE)


def test_the_embedded_redis_has_no_tcp_port_and_keeps_its_data(home: Path, store: JobStore) -> None:
    assert store.redis.config_get("port")["port"] == "0"
    assert store.redis.config_get("appendonly")["appendonly"] == "yes"
    key, _ = store.keys.create("alice")
    assert ensure_local_redis(home) == (running_url(home), False)  # reused, not restarted
    assert stop_local_redis(home) and running_url(home) is None
    with pytest.raises(JobStoreUnavailable):
        store.keys.authenticate(key)  # a typed error, not redis-py's
    ensure_local_redis(home)
    assert store.keys.authenticate(key).owner == "alice"  # the AOF brought it back


def test_keys_are_stored_hashed_and_can_be_revoked(store: JobStore) -> None:
    key, record = store.keys.create("alice")
    values = [str(store.redis.dump(k)) for k in store.redis.keys("*")]
    assert not any(key in v or key.split("_")[2] in v for v in values)
    assert store.keys.authenticate(key).key_id == record.key_id
    with pytest.raises(KeyRejected):
        store.keys.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B"))
    with pytest.raises(ValueError, match="owner"):
        store.keys.create("not a name!")
    assert store.keys.revoke(record.key_id) and not store.keys.revoke("000000000000")
    with pytest.raises(KeyRejected):
        store.keys.authenticate(key)
    assert [k.revoked for k in store.keys.all()] == [True]


def test_lessons_per_day_are_counted_per_utc_day(store: JobStore) -> None:
    store.quotas.take_lesson("alice", NOON)
    store.quotas.take_lesson("alice", NOON)
    with pytest.raises(QuotaExceeded) as refused:
        store.quotas.take_lesson("alice", NOON)
    assert refused.value.retry_after_s == 43_201  # until midnight UTC
    store.quotas.take_lesson("bob", NOON)  # per owner
    store.quotas.give_back_lesson("alice", NOON)
    store.quotas.take_lesson("alice", NOON)
    store.quotas.take_lesson("alice", NOON + 86_400)  # a new day


def test_a_job_claims_the_lesson_and_a_concurrency_slot(store: JobStore) -> None:
    store.lessons.begin("alice", _job("lesson-aaaaaaaaaaaa"), 1)
    with pytest.raises(Busy):
        store.lessons.begin("alice", _job("lesson-aaaaaaaaaaaa", 2), 5)
    with pytest.raises(QuotaExceeded):
        store.lessons.begin("alice", _job("lesson-bbbbbbbbbbbb"), 1)
    store.lessons.begin("bob", _job("lesson-cccccccccccc"), 1)
    store.lessons.finish("alice", _job("lesson-aaaaaaaaaaaa"))
    store.lessons.begin("alice", _job("lesson-bbbbbbbbbbbb"), 1)
    assert store.lessons.active() == ["lesson-bbbbbbbbbbbb", "lesson-cccccccccccc"]


def test_idempotency_keys_answer_the_first_lesson(store: JobStore) -> None:
    assert store.lessons.claim_idempotency("alice", "k1", "lesson-1", "sha-a", 60) is None
    assert store.lessons.claim_idempotency("alice", "k1", "lesson-2", "sha-a", 60) == "lesson-1"
    assert store.lessons.claim_idempotency("bob", "k1", "lesson-3", "sha-a", 60) is None
    with pytest.raises(IdempotencyConflict):
        store.lessons.claim_idempotency("alice", "k1", "lesson-4", "sha-b", 60)
    assert 0 < store.redis.ttl(next(iter(store.redis.keys("sf:idem:alice:*")))) <= 60


def test_events_are_read_after_any_id(store: JobStore) -> None:
    ids = [
        store.events.append(Event("chunk_done", "lesson-x", "S", f"c{i}", data={"i": i}))
        for i in range(5)
    ]
    assert [e.data["i"] for e in store.events.read("lesson-x")] == [0, 1, 2, 3, 4]
    assert [e.chunk for e in store.events.read("lesson-x", ids[2])] == ["c3", "c4"]
    assert store.events.read("lesson-x", ids[-1], block_ms=None) == []


def test_a_blocking_read_wakes_up_for_a_new_event(store: JobStore) -> None:
    last = store.events.append(Event("lesson_status", "lesson-y", detail="rendering"))
    later = threading.Timer(
        0.3, store.events.append, [Event("lesson_status", "lesson-y", detail="ready")]
    )
    later.start()
    events = store.events.read("lesson-y", last, block_ms=1_500)  # under the socket timeout
    later.join()
    assert [e.detail for e in events] == ["ready"]
