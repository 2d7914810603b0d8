"""Quotas per owner, on a server with tight limits: scenes per lesson, concurrent renders,
seconds of video and lessons per day; each refusal is a 429 with Retry-After."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.lessons import code_scene

from .conftest import ApiServer

pytestmark = pytest.mark.integration

ONE_SECOND = "        self.play(FadeIn(Dot()), run_time=1)\n"  # 15 frames at 15 fps
REFUSED = "        import os\n        self.wait(0.5)\n"  # fails the static check: no video


@pytest.fixture(scope="module")
def tight(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    settings = {
        "SCENEFARM_QUOTA_LESSONS_PER_DAY": "3",
        "SCENEFARM_QUOTA_CONCURRENT_RENDERS": "1",
        "SCENEFARM_QUOTA_SCENES_PER_LESSON": "2",
        "SCENEFARM_QUOTA_VIDEO_S_PER_DAY": "1.5",
    }
    server = ApiServer(data_dir, tmp_path_factory.mktemp("tight-logs"), settings).start()
    yield server
    server.stop()


def _refused(response: requests.Response, why: str) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:scenefarm:problem:quota-exceeded" and why in body["detail"]
    retry_after = int(response.headers["retry-after"])
    assert retry_after == body["retry_after"] and 0 < retry_after <= 86_401
    return retry_after


def test_too_many_scenes_are_refused(tight: ApiServer) -> None:
    key = tight.key(f"scenes-{uuid.uuid4().hex[:6]}")
    scenes = [code_scene(f"Many{i}", ONE_SECOND) for i in range(3)]
    _refused(tight.call("POST", "/v1/lessons", key, json={"scenes": scenes}), "scenes per lesson")
    assert tight.call("GET", "/v1/lessons", key).json()["count"] == 0


def test_concurrent_renders_then_seconds_of_video(tight: ApiServer) -> None:
    key = tight.key(f"video-{uuid.uuid4().hex[:6]}")
    nonce = uuid.uuid4().hex
    first = tight.create(key, {"scenes": [code_scene("First", ONE_SECOND, nonce)]})
    busy = tight.call("POST", "/v1/lessons", key, json={"scenes": [code_scene("B", ONE_SECOND)]})
    # when the running job is expected to end (tests/integration/api/test_jobstore.py checks
    # the estimate): bounded, and no longer a constant
    assert 1 <= _refused(busy, "at once") <= 300
    assert tight.wait_job(key, first, 1)["status"] == "ready"  # 1 s of video: under 1.5 s
    second = tight.create(key, {"scenes": [code_scene("Second", ONE_SECOND, nonce)]})
    assert tight.wait_job(key, second, 1)["status"] == "ready"  # now 2 s
    over = tight.call("POST", "/v1/lessons", key, json={"scenes": [code_scene("C", ONE_SECOND)]})
    _refused(over, "s of video a day")
    edit = tight.call("PUT", f"/v1/lessons/{first}/scenes/1", key, json=code_scene("D", ONE_SECOND))
    _refused(edit, "s of video a day")
    assert tight.call("GET", "/v1/lessons", key).json()["count"] == 2


def test_lessons_per_day(tight: ApiServer) -> None:
    key = tight.key(f"daily-{uuid.uuid4().hex[:6]}")
    for i in range(3):
        lesson_id = tight.create(key, {"scenes": [code_scene(f"Refused{i}", REFUSED)]})
        assert tight.wait_job(key, lesson_id, 1)["status"] == "failed"
    fourth = tight.call("POST", "/v1/lessons", key, json={"scenes": [code_scene("X", REFUSED)]})
    _refused(fourth, "lessons a day")
    other = tight.key(f"daily-other-{uuid.uuid4().hex[:6]}")  # quotas are per owner
    lesson_id = tight.create(other, {"scenes": [code_scene("Y", REFUSED)]})
    tight.wait_job(other, lesson_id, 1)


def test_a_job_stops_once_its_owner_s_video_seconds_run_out(tight: ApiServer) -> None:
    """The seconds are counted as chunks land, not only before a job starts: a lesson far
    longer than the 1.5 s a day stops after the chunks in flight, and fails saying why (the
    bug: one lesson rendered 40 s against a 5 s limit)."""
    key = tight.key(f"long-{uuid.uuid4().hex[:6]}")
    long = "".join(ONE_SECOND for _ in range(24))
    lesson_id = tight.create(key, {"scenes": [code_scene("Long", long, uuid.uuid4().hex)]})
    lesson = tight.wait_job(key, lesson_id, 1)
    assert lesson["status"] == "failed" and "video a day" in lesson["error"], lesson
    assert lesson["progress"]["chunks_done"] < lesson["progress"]["chunks_total"], lesson
    again = tight.call("POST", "/v1/lessons", key, json={"scenes": [code_scene("Z", ONE_SECOND)]})
    _refused(again, "s of video a day")


def test_edits_count_against_the_lessons_a_day(tight: ApiServer) -> None:
    key = tight.key(f"edits-{uuid.uuid4().hex[:6]}")
    lesson_id = tight.create(key, {"scenes": [code_scene("Edited", REFUSED)]})
    assert tight.wait_job(key, lesson_id, 1)["status"] == "failed"
    for number in (2, 3):  # replacements that fail the static check: no video, but jobs
        path = f"/v1/lessons/{lesson_id}/scenes/1"
        assert tight.call("PUT", path, key, json=code_scene("Edited", REFUSED)).status_code == 202
        tight.wait_job(key, lesson_id, number)
    fourth = tight.call("PUT", path, key, json=code_scene("Edited", REFUSED))
    _refused(fourth, "lessons a day")
