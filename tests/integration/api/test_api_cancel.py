"""A cancel is honest: a 202 means the lesson ends cancelled; once the job is past the point
where a cancel could stop anything (every chunk rendered: only stitching and publishing are
left), it is a 409 and the lesson ends ready."""

from __future__ import annotations

import uuid

import pytest
from support.lessons import code_scene

from .conftest import ApiServer, Key, parse_sse

pytestmark = pytest.mark.integration


def _cancel_after_last_chunk(api: ApiServer, key: Key, name: str) -> tuple[int, str]:
    body = "".join("        self.play(FadeIn(Dot()), run_time=0.5)\n" for _ in range(4))
    lesson_id = api.create(key, {"scenes": [code_scene(name, body, uuid.uuid4().hex)]})
    total, done = None, 0
    with api.stream(key, lesson_id) as response:
        for event in parse_sse(response.iter_lines(decode_unicode=True)):
            if event["kind"] == "chunks_planned":
                total = event["data"]["total"]
            done += event["kind"] == "chunk_done"
            if total is not None and done == total:
                break
    answer = api.call("POST", f"/v1/lessons/{lesson_id}/cancel", key).status_code
    lesson = api.wait_job(key, lesson_id, 1)
    assert lesson["status"] != "failed", lesson
    return answer, lesson["status"]


def test_a_late_cancel_is_refused_or_honoured_never_ignored(api: ApiServer, alice: Key) -> None:
    outcomes = [_cancel_after_last_chunk(api, alice, f"Late{n}") for n in range(2)]
    for answer, status in outcomes:
        assert (answer, status) in ((409, "ready"), (202, "cancelled")), outcomes
    assert (409, "ready") in outcomes  # after the last chunk, the job is normally sealed


def test_a_cancel_before_the_runner_starts_is_honoured(api: ApiServer, alice: Key) -> None:
    lesson_id = api.create(alice, {"scenes": [code_scene("Early", "        self.wait(1)\n")]})
    assert api.call("POST", f"/v1/lessons/{lesson_id}/cancel", alice).status_code == 202
    lesson = api.wait_job(alice, lesson_id, 1)
    assert lesson["status"] == "cancelled" and lesson["job"]["state"] == "cancelled", lesson
    again = api.call("POST", f"/v1/lessons/{lesson_id}/cancel", alice)
    assert again.status_code == 409 and "nothing runs" in again.json()["detail"]
