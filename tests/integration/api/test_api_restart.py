"""Restarting the API loses nothing: a lesson rendering while the API process is killed still
completes (its runner is a detached Ray actor), its events resume where the client left off,
and a job whose runner was lost is launched again when the API starts."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.lessons import code_scene

from cluster.jobs.redis_server import url_for
from cluster.jobs.store import Job, JobOp, LessonOptions, open_jobstore
from scenes import Lesson

from .conftest import ApiServer, Key, parse_sse

pytestmark = pytest.mark.integration

SLOW = "".join("        self.play(FadeIn(Dot()), run_time=1)\n" for _ in range(6))


def _stream_id(value: str) -> tuple[int, int]:
    ms, seq = value.split("-")
    return int(ms), int(seq)


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = ApiServer(data_dir, tmp_path_factory.mktemp("restart-logs")).start()
    yield server
    server.stop()


def test_a_lesson_completes_across_an_api_restart(server: ApiServer) -> None:
    key = server.key("restarter")
    nonce = uuid.uuid4().hex
    scenes = [code_scene(f"Survivor{i}", SLOW, nonce) for i in range(3)]
    lesson_id = server.create(key, {"scenes": scenes})
    seen = []
    with server.stream(key, lesson_id) as response:
        for event in parse_sse(response.iter_lines(decode_unicode=True)):
            seen.append(event)
            if event["kind"] == "chunk_done":
                break
    server.stop(signal.SIGKILL)  # no graceful shutdown: as if the pod were killed
    server.start()
    rest = server.events(key, lesson_id, last_event_id=seen[-1]["id"])
    lesson = server.lesson(key, lesson_id)
    assert lesson["status"] == "ready" and lesson["job"]["state"] == "done", lesson
    planned = next(e for e in seen if e["kind"] == "chunks_planned")["data"]["total"]
    chunks = [e for e in seen + rest if e["kind"] == "chunk_done"]
    assert len(chunks) == planned == lesson["progress"]["chunks_done"]
    ids = [_stream_id(e["id"]) for e in seen + rest]
    assert ids == sorted(set(ids))  # resumed exactly after the last event seen: no repeats
    assert rest[-1]["kind"] == "job_done"
    video = server.call("GET", f"/v1/lessons/{lesson_id}/video", key)
    assert video.status_code == 200 and len(video.content) > 1000


def _orphan(server: ApiServer, key: Key, name: str, launches: int) -> str:
    """A job as an API that crashed after accepting it, before its runner started, left it."""
    store = open_jobstore(url_for(server.data_dir))
    lesson = Lesson(id=f"lesson-{uuid.uuid4().hex[:12]}", prompt="")
    code = code_scene(name, "        self.wait(0.5)\n", uuid.uuid4().hex)["code"]
    job = Job(
        lesson_id=lesson.id,
        number=1,
        op=JobOp.CREATE_FROM_CODE,
        codes=[code],
        launches=launches,
        started_at=time.time() - 120,
    )
    store.lessons.begin(key.owner, job, 10)
    store.lessons.create(key.owner, lesson, LessonOptions(key_id=key.key_id))
    store.close()
    return lesson.id


def test_lost_runners_are_relaunched_at_start_up_a_bounded_number_of_times(
    server: ApiServer,
) -> None:
    key = server.key("orphans")
    server.stop(signal.SIGKILL)
    lost_once = _orphan(server, key, "Orphan", launches=1)
    lost_often = _orphan(server, key, "Unlucky", launches=3)
    server.start()
    done = server.wait_job(key, lost_once, 1)
    assert done["status"] == "ready" and done["scenes"][0]["class_name"] == "Orphan"
    given_up = server.wait_job(key, lost_often, 1)
    assert given_up["status"] == "failed" and "lost 3 times" in given_up["error"]
