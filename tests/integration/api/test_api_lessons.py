"""Lessons through the HTTP API, as a client uses it: a real `scenefarm serve`, real Redis, the
local Ray cluster, bwrap sandboxes, ffmpeg; Claude is the scripted Messages-API server."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from support.anthropic_server import MessagesServer, mentions, tool_use
from support.lessons import CIRCLE, DOT, SQUARE, STAR, code_scene, plan_input
from support.webhook_receiver import WebhookReceiver

from renderers import probe_video

from .conftest import CLI, ApiServer, Key, parse_sse

pytestmark = pytest.mark.integration


def _planning(prompt: str) -> Any:
    def predicate(ex: Any) -> bool:
        return bool(ex.forced_tool == "plan_lesson" and prompt in ex.last_user_text())

    predicate.__name__ = f"plan({prompt!r})"
    return predicate


def _chunks(version: dict[str, Any]) -> dict[str, list[bool]]:
    """Per scene of a version's report: whether each chunk came from the cache."""
    return {s["name"]: [c["cached"] for c in s["chunks"]] for s in version["report"]["scenes"]}


# -- a lesson from code: create -> SSE -> ready -> video ---------------------------------------


@pytest.fixture(scope="module")
def from_code(api: ApiServer, alice: Key) -> tuple[str, list[dict[str, Any]]]:
    nonce = uuid.uuid4().hex
    body = {"scenes": [code_scene("CodeOne", CIRCLE, nonce), code_scene("CodeTwo", SQUARE, nonce)]}
    response = api.call("POST", "/v1/lessons", alice, json=body)
    assert response.status_code == 202, response.text
    lesson_id = response.json()["id"]
    assert response.headers["location"] == f"/v1/lessons/{lesson_id}"
    return lesson_id, api.events(alice, lesson_id)


def test_sse_reports_every_status_and_chunk(from_code: tuple[str, list[dict[str, Any]]]) -> None:
    _, events = from_code
    statuses = [e["detail"] for e in events if e["kind"] == "lesson_status"]
    assert statuses == ["generating", "rendering", "ready"]
    planned = next(e for e in events if e["kind"] == "chunks_planned")
    done = [e for e in events if e["kind"] == "chunk_done"]
    assert len(done) == planned["data"]["total"] >= 2
    assert not any(e["data"]["cached"] for e in done)  # the nonce made every chunk new
    assert events[-1]["kind"] == "job_done"
    assert all(e["event"] == e["kind"] and e["id"] for e in events)


def test_a_ready_lesson_serves_its_video(
    api: ApiServer, alice: Key, from_code: tuple[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    lesson_id, _ = from_code
    lesson = api.lesson(alice, lesson_id)
    assert lesson["status"] == "ready" and lesson["job"]["state"] == "done"
    assert [s["class_name"] for s in lesson["scenes"]] == ["CodeOne", "CodeTwo"]
    assert all(s["status"] == "ready" and s["version"] == 1 for s in lesson["scenes"])
    assert lesson["progress"]["fraction"] == 1.0
    video = api.call("GET", f"/v1/lessons/{lesson_id}/video", alice)
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    (tmp_path / "lesson.mp4").write_bytes(video.content)
    frames = sum(s["frames"] for s in lesson["versions"][0]["report"]["scenes"])
    assert probe_video(tmp_path / "lesson.mp4").frames == frames > 0
    published = requests.get(lesson["video_url"], timeout=30)  # the local storage's URL
    assert published.status_code == 200 and published.content == video.content
    assert set(lesson["versions"][0]["scene_urls"]) == {"1", "2"}


def test_events_resume_after_last_event_id(
    api: ApiServer, alice: Key, from_code: tuple[str, list[dict[str, Any]]]
) -> None:
    lesson_id, events = from_code
    middle = len(events) // 2
    resumed = api.events(alice, lesson_id, last_event_id=events[middle]["id"])
    assert resumed == events[middle + 1 :]


def test_lessons_are_listed_newest_first_with_pagination(
    api: ApiServer, alice: Key, from_code: tuple[str, list[dict[str, Any]]]
) -> None:
    lesson_id, _ = from_code
    second = api.create(alice, {"scenes": [code_scene("ListedScene", DOT)]})
    page = api.call("GET", "/v1/lessons?limit=1", alice).json()
    assert [item["id"] for item in page["data"]] == [second] and page["count"] >= 2
    ids = [i["id"] for i in api.call("GET", "/v1/lessons?limit=100", alice).json()["data"]]
    assert ids.index(second) < ids.index(lesson_id)
    api.wait_job(alice, second, 1)


# -- a lesson from a prompt, then an edit and a replacement ----------------------------------


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def from_prompt(
    api: ApiServer, alice: Key, claude: MessagesServer, receiver: WebhookReceiver
) -> dict[str, Any]:
    prompt = f"Teach shapes over HTTP {uuid.uuid4().hex[:8]}"
    names = ["HttpAlpha", "HttpBeta", "HttpGamma"]
    claude.route(_planning(prompt), tool_use("plan_lesson", plan_input(names, "Shapes over HTTP")))
    for name, body in zip(names, (CIRCLE, SQUARE, DOT), strict=True):
        claude.route(mentions(name), tool_use("write_scene", code_scene(name, body, prompt)))
    receiver.statuses.extend([500])  # the first delivery fails and is retried
    body = {"prompt": prompt, "webhook_url": receiver.url("/prompt")}
    lesson_id = api.create(alice, body)
    return api.wait_job(alice, lesson_id, 1)


def test_a_prompt_becomes_a_lesson_written_by_claude(from_prompt: dict[str, Any]) -> None:
    lesson = from_prompt
    assert lesson["status"] == "ready", lesson
    assert lesson["title"] == "Shapes over HTTP"
    assert [s["class_name"] for s in lesson["scenes"]] == ["HttpAlpha", "HttpBeta", "HttpGamma"]
    assert lesson["usage"]["calls"] == 4 and lesson["usage"]["output_tokens"] > 0
    assert [v["number"] for v in lesson["versions"]] == [1]


def test_the_ready_webhook_is_signed_and_retried(
    from_prompt: dict[str, Any], alice: Key, receiver: WebhookReceiver
) -> None:
    first, second = receiver.wait_for("/prompt", 2)[:2]
    assert first.body == second.body and first.signature_ok(alice.webhook_secret)
    assert second.signature_ok(alice.webhook_secret)
    assert not second.signature_ok("whsec_another-secret")
    payload = second.json()
    assert payload["type"] == "lesson.ready" and payload["lesson_id"] == from_prompt["id"]
    assert payload["version"] == 1 and payload["video_url"] == from_prompt["video_url"]
    assert second.headers["x-scenefarm-event"] == "lesson.ready"


def test_the_delivery_log_is_on_the_lesson(
    api: ApiServer, alice: Key, from_prompt: dict[str, Any], receiver: WebhookReceiver
) -> None:
    receiver.wait_for("/prompt", 2)
    deliveries = api.lesson(alice, from_prompt["id"])["webhook_deliveries"]
    assert [(d["attempt"], d["status_code"], d["ok"]) for d in deliveries[:2]] == [
        (1, 500, False),
        (2, 200, True),
    ]


def test_editing_a_scene_re_renders_only_that_scene(
    api: ApiServer, alice: Key, claude: MessagesServer, from_prompt: dict[str, Any]
) -> None:
    lesson_id = from_prompt["id"]
    instruction = f"make it a yellow star {lesson_id}"
    claude.route(mentions(instruction), tool_use("write_scene", code_scene("HttpBeta", STAR)))
    response = api.call(
        "POST", f"/v1/lessons/{lesson_id}/scenes/2/edits", alice, json={"instruction": instruction}
    )
    assert response.status_code == 202 and response.json()["job"] == 2, response.text
    lesson = api.wait_job(alice, lesson_id, 2)
    assert lesson["status"] == "ready" and lesson["job"]["op"] == "edit"
    latest = lesson["versions"][-1]
    assert latest["number"] == 2 and latest["scene_versions"] == {"1": 1, "2": 2, "3": 1}
    chunks = _chunks(latest)
    assert all(chunks["HttpAlpha"]) and all(chunks["HttpGamma"])
    assert not any(chunks["HttpBeta"])
    assert lesson["scenes"][1]["version"] == 2
    older = api.call("GET", f"/v1/lessons/{lesson_id}/video?version=1", alice)
    newer = api.call("GET", f"/v1/lessons/{lesson_id}/video", alice)
    assert older.status_code == newer.status_code == 200 and older.content != newer.content


def test_replacing_a_scene_with_code_re_renders_only_that_scene(
    api: ApiServer, alice: Key, from_prompt: dict[str, Any]
) -> None:
    lesson_id = from_prompt["id"]
    before = api.lesson(alice, lesson_id)
    code = code_scene("MyOwnScene", STAR, lesson_id)["code"]
    response = api.call("PUT", f"/v1/lessons/{lesson_id}/scenes/3", alice, json={"code": code})
    assert response.status_code == 202, response.text
    lesson = api.wait_job(alice, lesson_id, response.json()["job"])
    assert lesson["status"] == "ready" and len(lesson["versions"]) == len(before["versions"]) + 1
    chunks = _chunks(lesson["versions"][-1])
    assert not any(chunks["MyOwnScene"])
    assert all(all(cached) for name, cached in chunks.items() if name != "MyOwnScene")
    assert lesson["scenes"][2]["class_name"] == "MyOwnScene"


def test_a_broken_replacement_keeps_the_lesson_and_reports_why(
    api: ApiServer, alice: Key, from_prompt: dict[str, Any], receiver: WebhookReceiver
) -> None:
    lesson_id = from_prompt["id"]
    before = api.lesson(alice, lesson_id)
    code = code_scene("Broken", "        self.play(Wiggle())\n")["code"]
    response = api.call("PUT", f"/v1/lessons/{lesson_id}/scenes/1", alice, json={"code": code})
    lesson = api.wait_job(alice, lesson_id, response.json()["job"])
    assert lesson["status"] == "ready" and lesson["versions"] == before["versions"]
    assert lesson["job"]["state"] == "failed" and "TypeError" in lesson["job"]["error"]
    # create (a 500, then delivered), edit, replace, and this failed replacement
    received = receiver.wait_for("/prompt", 5)
    failed = [r.json() for r in received if r.json()["type"] == "lesson.failed"]
    assert failed and failed[-1]["job"]["op"] == "replace"


# -- cancel ----------------------------------------------------------------------------------


def test_cancel_drops_the_chunks_not_yet_rendered(api: ApiServer, alice: Key) -> None:
    nonce = uuid.uuid4().hex
    # Work enough that a cancel after the first chunk lands before the rest is drawn, on a fast
    # machine too (4 scenes of 6 s once all finished first: ~0.4 s a scene at 480p15 here).
    waits = "".join("        self.play(FadeIn(Dot()), run_time=1)\n" for _ in range(12))
    scenes = [code_scene(f"Slow{i}", waits, nonce) for i in range(8)]
    lesson_id = api.create(alice, {"scenes": scenes})
    seen = []
    with api.stream(alice, lesson_id) as response:
        for event in parse_sse(response.iter_lines(decode_unicode=True)):
            seen.append(event)
            if (
                event["kind"] == "chunk_done"
                and len(seen)
                and sum(e["kind"] == "chunk_done" for e in seen) == 1
            ):
                cancel = api.call("POST", f"/v1/lessons/{lesson_id}/cancel", alice)
                assert cancel.status_code == 202, cancel.text
    lesson = api.lesson(alice, lesson_id)
    assert lesson["status"] == "cancelled" and lesson["job"]["state"] == "cancelled"
    assert lesson["versions"] == [] and lesson["video_url"] is None
    done = sum(e["kind"] == "chunk_done" for e in seen)
    seen = [e for e in seen if e["kind"] != "cancel"]
    planned = next(e for e in seen if e["kind"] == "chunks_planned")["data"]["total"]
    assert done == lesson["progress"]["chunks_done"] < planned
    assert [e["kind"] for e in seen][-2:] == ["lesson_status", "job_cancelled"]
    again = api.call("POST", f"/v1/lessons/{lesson_id}/cancel", alice)
    assert again.status_code == 409 and again.json()["type"] == "urn:scenefarm:problem:conflict"


# -- owners, keys, idempotency ---------------------------------------------------------------


def test_another_owners_lesson_is_not_found(
    api: ApiServer, alice: Key, bob: Key, from_code: tuple[str, list[dict[str, Any]]]
) -> None:
    lesson_id, _ = from_code
    for method, path in [
        ("GET", ""),
        ("GET", "/events"),
        ("GET", "/video"),
        ("POST", "/cancel"),
    ]:
        response = api.call(method, f"/v1/lessons/{lesson_id}{path}", bob)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    edit = api.call(
        "POST", f"/v1/lessons/{lesson_id}/scenes/1/edits", bob, json={"instruction": "x"}
    )
    assert edit.status_code == 404
    ids = [i["id"] for i in api.call("GET", "/v1/lessons?limit=100", bob).json()["data"]]
    assert lesson_id not in ids
    assert api.call("GET", f"/v1/lessons/{lesson_id}", alice).status_code == 200


def test_no_key_a_bad_key_and_a_revoked_key_get_401(api: ApiServer) -> None:
    carol = api.key("carol")
    assert api.call("GET", "/v1/lessons", carol).status_code == 200
    missing = api.call("GET", "/v1/lessons")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.json()["type"] == "urn:scenefarm:problem:unauthorized"
    forged = Key(carol.key[:-4] + "AAAA", carol.key_id, "carol", "")
    assert api.call("GET", "/v1/lessons", forged).status_code == 401
    done = subprocess.run(
        [CLI, "keys", "revoke", carol.key_id], env=api.env(), capture_output=True, timeout=60
    )
    assert done.returncode == 0
    assert api.call("GET", "/v1/lessons", carol).status_code == 401


def test_an_idempotent_create_makes_one_lesson(api: ApiServer, alice: Key) -> None:
    body = {"scenes": [code_scene("Once", DOT, uuid.uuid4().hex)]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    count = api.call("GET", "/v1/lessons", alice).json()["count"]
    first = api.call("POST", "/v1/lessons", alice, json=body, headers=key)
    again = api.call("POST", "/v1/lessons", alice, json=body, headers=key)
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert api.call("GET", "/v1/lessons", alice).json()["count"] == count + 1
    other = api.call("POST", "/v1/lessons", alice, json={**body, "quality": "m"}, headers=key)
    assert other.status_code == 409
    assert other.json()["type"] == "urn:scenefarm:problem:idempotency-key-reused"
    api.wait_job(alice, first.json()["id"], 1)
