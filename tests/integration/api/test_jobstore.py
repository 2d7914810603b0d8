"""The job store against a real redis-server: the embedded one, started as `scenefarm` does."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.farm.events import Event
from cluster.jobs.redis_server import ensure_local_redis, running_url, stop_local_redis
from cluster.jobs.store import (
    Busy,
    CancelAnswer,
    IdempotencyConflict,
    JobOp,
    JobState,
    JobStore,
    JobStoreUnavailable,
    KeyRejected,
    LessonJob,
    LessonOptions,
    NewLesson,
    Progress,
    QuotaExceeded,
    QuotaLimits,
    open_jobstore,
)
from scenes import Lesson

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


def _job(lesson_id: str, number: int = 1) -> LessonJob:
    return LessonJob(lesson_id=lesson_id, number=number, op=JobOp.CREATE_FROM_CODE)


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


def _new(owner: str, key: str | None = "k1", fingerprint: str = "sha-a") -> NewLesson:
    lesson = Lesson(id=f"lesson-{uuid.uuid4().hex[:12]}", prompt="p")
    return NewLesson(
        owner=owner,
        lesson=lesson,
        options=LessonOptions(),
        job=_job(lesson.id),
        idempotency_key=key,
        fingerprint=fingerprint,
        idempotency_ttl_s=60,
    )


def test_idempotency_keys_answer_the_first_lesson(store: JobStore) -> None:
    limits = QuotaLimits(lessons_per_day=10, concurrent_renders=10)
    first = _new("alice")
    assert store.lessons.admit(first, limits) is None
    assert store.lessons.admit(_new("alice"), limits) == first.lesson.id
    assert store.lessons.replayed("alice", "k1", "sha-a") == first.lesson.id
    assert store.lessons.admit(_new("bob"), limits) is None
    with pytest.raises(IdempotencyConflict):
        store.lessons.admit(_new("alice", fingerprint="sha-b"), limits)
    with pytest.raises(IdempotencyConflict):
        store.lessons.replayed("alice", "k1", "sha-b")
    assert 0 < store.redis.ttl(next(iter(store.redis.keys("sf:idem:alice:*")))) <= 60
    assert first.lesson.id in store.lessons.active() and len(store.lessons.active()) == 2
    entry = store.lessons.get(first.lesson.id)
    assert entry is not None and entry.job is not None and entry.job.state is JobState.QUEUED


def test_a_refused_lesson_leaves_nothing_behind(store: JobStore) -> None:
    """The concurrency and daily limits are checked in the same step that stores the lesson:
    a refusal binds no key, counts no lesson and stores no record."""
    limits = QuotaLimits(lessons_per_day=1, concurrent_renders=1)
    assert store.lessons.admit(_new("alice", key=None), limits) is None
    refused = _new("alice")
    with pytest.raises(QuotaExceeded):
        store.lessons.admit(refused, limits)
    assert store.lessons.replayed("alice", "k1", "sha-a") is None
    assert store.lessons.get(refused.lesson.id) is None
    store.lessons.finish("alice", _job(store.lessons.active()[0]))
    with pytest.raises(QuotaExceeded, match="a day"):  # the slot is free, today's one is used
        store.lessons.admit(refused, limits)
    assert store.lessons.active() == []


def test_a_bound_idempotency_key_always_names_a_stored_lesson(store: JobStore) -> None:
    """Binding the key and storing the lesson are one step: a reader that sees the key bound
    finds the lesson, however the two interleave (the bug: a key bound to a lesson that was
    never stored, after the API died between the two)."""
    limits = QuotaLimits(lessons_per_day=1000, concurrent_renders=1000)
    stop, dangling = threading.Event(), []

    def watch() -> None:
        while not stop.is_set():
            for n in range(20):
                bound = store.lessons.replayed("alice", f"key-{n}", "sha-a")
                if bound is not None and store.lessons.get(bound) is None:
                    dangling.append(bound)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for n in range(20):
            assert store.lessons.admit(_new("alice", key=f"key-{n}"), limits) is None
    finally:
        stop.set()
        watcher.join()
    assert dangling == []
    assert len(store.lessons.active()) == 20


def test_a_job_moves_only_along_its_machine(store: JobStore) -> None:
    new = _new("alice", key=None)
    store.lessons.admit(new, QuotaLimits())
    lesson_id = new.lesson.id
    assert store.lessons.move_job(lesson_id, 2, JobState.RUNNING) is None  # another job
    running = store.lessons.move_job(lesson_id, 1, JobState.RUNNING, runner_started_at=5.0)
    assert running is not None and running.runner_started_at == 5.0
    requeued = store.lessons.move_job(lesson_id, 1, JobState.QUEUED, launches=2)
    assert requeued is not None and requeued.launches == 2
    assert store.lessons.move_job(lesson_id, 1, JobState.CANCELLED) is not None
    assert store.lessons.move_job(lesson_id, 1, JobState.RUNNING) is None  # it ended


def test_a_cancel_is_refused_once_the_job_is_sealed(store: JobStore) -> None:
    new = _new("alice", key=None)
    store.lessons.admit(new, QuotaLimits())
    lesson_id = new.lesson.id
    assert not store.lessons.cancel_or_seal(lesson_id, seal=False)
    assert store.lessons.request_cancel(lesson_id) is CancelAnswer.ASKED
    assert store.lessons.cancel_or_seal(lesson_id, seal=True)  # asked first: it is honoured
    other = _new("bob", key=None)
    store.lessons.admit(other, QuotaLimits())
    assert not store.lessons.cancel_or_seal(other.lesson.id, seal=True)
    assert store.lessons.request_cancel(other.lesson.id) is CancelAnswer.TOO_LATE
    store.lessons.finish("bob", other.job)
    assert store.lessons.request_cancel(other.lesson.id) is CancelAnswer.NOTHING_RUNS


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


def test_a_concurrency_refusal_waits_for_the_first_job_expected_to_end(store: JobStore) -> None:
    """Not a constant 30 s while lessons take seconds: the owner's running job is half done
    after 4 s, so the slot is expected in about 4 s."""
    started = _job("lesson-aaaaaaaaaaaa").model_copy(update={"runner_started_at": time.time() - 4})
    store.lessons.begin("alice", started, 1)
    store.lessons.set_progress("lesson-aaaaaaaaaaaa", Progress(chunks_total=10, chunks_done=5))
    with pytest.raises(QuotaExceeded) as refused:
        store.lessons.begin("alice", _job("lesson-bbbbbbbbbbbb"), 1)
    assert 3 <= refused.value.retry_after_s <= 6
    store.lessons.finish("alice", started.model_copy(update={"ended_at": started.started_at + 7}))
    store.lessons.begin("alice", _job("lesson-cccccccccccc", 1), 1)  # no progress yet
    with pytest.raises(QuotaExceeded) as refused:
        store.lessons.begin("alice", _job("lesson-dddddddddddd"), 1)
    assert 6 <= refused.value.retry_after_s <= 7  # what the finished job took: 7 s
