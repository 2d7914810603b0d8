"""Restarting the API loses nothing: a lesson rendering while the API process is killed still
completes (its runner is a detached Ray actor), its events resume where the client left off,
and a job whose runner was lost is launched again when the API starts."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.lessons import code_scene

from cluster.jobs.redis_server import url_for
from cluster.jobs.runner import actor_name
from cluster.jobs.store import JobOp, JobState, LessonJob, LessonOptions, open_jobstore
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


def _orphan(
    server: ApiServer, key: Key, name: str, state: JobState, launches: int = 1
) -> LessonJob:
    """A job as an API that crashed while accepting it left it: recorded `queued` (its runner
    never started), or `running` with its runner gone."""
    store = open_jobstore(url_for(server.data_dir))
    lesson = Lesson(id=f"lesson-{uuid.uuid4().hex[:12]}", prompt="")
    code = code_scene(name, "        self.wait(0.5)\n", uuid.uuid4().hex)["code"]
    job = LessonJob(
        lesson_id=lesson.id,
        number=1,
        op=JobOp.CREATE_FROM_CODE,
        codes=[code],
        state=state,
        launches=launches,
        started_at=time.time() - 120,
        runner_started_at=time.time() - 120 if state is JobState.RUNNING else None,
    )
    store.lessons.begin(key.owner, job, 10)
    store.lessons.create(key.owner, lesson, LessonOptions(key_id=key.key_id))
    store.close()
    return job


def test_lost_runners_are_relaunched_at_start_up_a_bounded_number_of_times(
    server: ApiServer,
) -> None:
    key = server.key("orphans")
    server.stop(signal.SIGKILL)
    lost_once = _orphan(server, key, "Orphan", JobState.RUNNING).lesson_id
    lost_often = _orphan(server, key, "Unlucky", JobState.RUNNING, launches=3).lesson_id
    server.start()
    done = server.wait_job(key, lost_once, 1)
    assert done["status"] == "ready" and done["scenes"][0]["class_name"] == "Orphan", done
    given_up = server.wait_job(key, lost_often, 1)
    assert given_up["status"] == "failed" and "lost 3 times" in given_up["error"]


HALF_START = """
import sys
from pathlib import Path
from cluster.delivery.storage import StorageConfig
from cluster.farm import ray_api, ray_head
from cluster.jobs.config import RunnerConfig
from cluster.jobs.redis_server import url_for
from cluster.jobs.runner import LessonRunner
data_dir = Path(sys.argv[1])
address = ray_head.running_address(data_dir)  # sets the head's token before Ray is imported
assert address is not None
ray_api.connect(address)
config = RunnerConfig(url_for(data_dir), data_dir, StorageConfig(local_root=data_dir / "artifacts"))
for name in sys.argv[2:]:
    ray_api.job_actor(LessonRunner, name, {}, config)  # no start call
ray_api.disconnect()
"""


def _half_start(data_dir: Path, jobs: list[LessonJob]) -> None:
    """Makes the jobs' runner actors without starting them, as an API that died would have.
    In a process of its own: Ray takes its auth token from the environment when it is first
    imported, and this test process may have joined another test's cluster before."""
    argv = [sys.executable, "-c", HALF_START, str(data_dir), *(actor_name(j) for j in jobs)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_runner_that_never_got_its_start_call_is_recovered(server: ApiServer) -> None:
    """The API died after making the lesson's runner actor and before calling its start: the
    actor exists, the job was never started. The sweep must not take the actor for a live
    runner: the lesson completes, and a cancel before that is honoured, not lost."""
    key = server.key("halfstarted")
    server.stop(signal.SIGKILL)
    never_started = _orphan(server, key, "HalfStarted", JobState.QUEUED)
    cancelled = _orphan(server, key, "CancelMe", JobState.QUEUED)
    _half_start(server.data_dir, [never_started, cancelled])
    server.start()
    assert server.call("POST", f"/v1/lessons/{cancelled.lesson_id}/cancel", key).status_code == 202
    done = server.wait_job(key, never_started.lesson_id, 1)
    assert done["status"] == "ready" and done["job"]["state"] == "done", done
    stopped = server.wait_job(key, cancelled.lesson_id, 1)
    assert stopped["status"] == "cancelled" and stopped["job"]["state"] == "cancelled", stopped
    assert server.call("GET", "/v1/lessons", key).json()["count"] == 2
