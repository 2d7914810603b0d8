"""Requests that must cost a bounded amount: made-up HTTP methods, malformed Last-Event-IDs,
and more event streams than a key may hold."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import requests
from support.lessons import code_scene

from ..conftest import CLI
from .conftest import ApiServer, Key

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def test_made_up_methods_share_one_metrics_label(api: ApiServer) -> None:
    methods = [f"X{uuid.uuid4().hex[:8].upper()}" for _ in range(5)]
    for method in methods:
        assert api.call(method, "/v1/lessons").status_code in (400, 401, 404, 405)
    text = api.call("GET", "/metrics").text
    assert not any(m in text for m in methods)
    assert 'method="other"' in text


MALFORMED = ["99999999999999999999-0", "1-99999999999999999999", "not-an-id", "1-2-3", "-1-0"]


def test_a_malformed_last_event_id_is_a_400_problem(api: ApiServer, alice: Key) -> None:
    """Ids past Redis's 64-bit range used to reach XREAD and end the stream in a 500."""
    lesson_id = api.create(alice, {"scenes": [code_scene("Resumed", "        self.wait(0.2)\n")]})
    for value in [*MALFORMED, "0x1-0"]:
        response = requests.get(
            f"{api.url}/v1/lessons/{lesson_id}/events",
            headers={**alice.headers, "Last-Event-ID": value},
            timeout=30,
        )
        assert response.status_code == 400, (value, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"] == "urn:scenefarm:problem:bad-request"
        assert "Last-Event-ID" in response.json()["detail"]
    api.wait_job(alice, lesson_id, 1)


def test_a_key_may_hold_a_bounded_number_of_streams(api: ApiServer) -> None:
    """The shared server allows 6 open streams per key (conftest); the 7th is a 429 with
    Retry-After, other keys are not affected, and a closed stream frees its place."""
    key, other = api.key("streamer"), api.key("bystander")
    long = "".join("        self.play(FadeIn(Dot()), run_time=1)\n" for _ in range(40))
    lesson_id = api.create(key, {"scenes": [code_scene("Watched", long, uuid.uuid4().hex)]})
    streams = [api.stream(key, lesson_id) for _ in range(6)]
    assert all(s.status_code == 200 for s in streams)
    try:
        refused = api.call("GET", f"/v1/lessons/{lesson_id}/events", key)
        assert refused.status_code == 429 and refused.headers["retry-after"], refused.text
        assert refused.headers["content-type"] == PROBLEM
        assert "open event streams" in refused.json()["detail"]
        assert api.call("GET", "/v1/lessons", other).status_code == 200
        streams.pop().close()
        reopened = api.wait_for_stream(key, lesson_id)
        streams.append(reopened)
    finally:
        for stream in streams:
            stream.close()


def test_private_answers_are_never_cached_nor_sniffed(api: ApiServer, alice: Key) -> None:
    listed = api.call("GET", "/v1/lessons", alice)
    assert listed.headers["cache-control"] == "no-store"
    assert listed.headers["x-content-type-options"] == "nosniff"
    refused = api.call("GET", "/v1/lessons")  # problems too
    assert refused.headers["cache-control"] == "no-store"
    assert api.call("GET", "/healthz").headers["x-content-type-options"] == "nosniff"


def test_revoking_by_the_whole_key_does_not_echo_it(api: ApiServer) -> None:
    key = api.key("revoker")
    done = subprocess.run(
        [CLI, "keys", "revoke", key.key], env=api.env(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert key.key not in done.stdout + done.stderr and key.key_id in done.stderr
    assert api.call("GET", "/v1/lessons", key).status_code == 401


def test_events_and_reports_carry_no_host_paths(api: ApiServer, alice: Key) -> None:
    lesson_id = api.create(alice, {"scenes": [code_scene("Pathless", "        self.wait(0.3)\n")]})
    events = api.events(alice, lesson_id)
    lesson = api.lesson(alice, lesson_id)
    assert lesson["status"] == "ready", lesson
    shown = json.dumps(events) + json.dumps(lesson)
    assert str(api.data_dir) not in shown and "/tmp/" not in shown, shown[:2000]
    assert any(e["kind"] == "lesson_ready" for e in events)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",  # cloud metadata: link-local
        "https://10.0.0.1/hook",  # private
        "https://[fd00::1]/hook",  # unique local
        "https://0x7f000002/hook",  # loopback outside the tests' allow-list (127.0.0.1/32)
        "http://8.8.8.8/hook",  # plain http to the internet: https only
    ],
)
def test_a_webhook_to_where_the_farm_does_not_deliver_is_refused_at_creation(
    api: ApiServer, alice: Key, url: str
) -> None:
    """Refused by resolving and classifying the address: nothing is sent there."""
    body = {"scenes": [code_scene("Hooked", "        self.wait(0.2)\n")], "webhook_url": url}
    answer = api.call("POST", "/v1/lessons", alice, json=body)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["webhook_url"]
