"""The API's surface: health, readiness, metrics, the OpenAPI document, and errors as RFC 9457
problem+json naming the field at fault."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from support.lessons import code_scene

from .conftest import ApiServer, Key

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def _problem(response: requests.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:scenefarm:problem:{slug}" and body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_health_and_readiness(api: ApiServer) -> None:
    assert api.call("GET", "/healthz").json() == {"status": "ok"}
    ready = api.call("GET", "/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"redis": "ok", "ray": "ok"}


def test_the_openapi_document_covers_every_endpoint(api: ApiServer) -> None:
    doc = api.call("GET", "/openapi.json").json()
    expected = {
        ("post", "/v1/lessons"),
        ("get", "/v1/lessons"),
        ("get", "/v1/lessons/{lesson_id}"),
        ("get", "/v1/lessons/{lesson_id}/events"),
        ("post", "/v1/lessons/{lesson_id}/scenes/{index}/edits"),
        ("put", "/v1/lessons/{lesson_id}/scenes/{index}"),
        ("post", "/v1/lessons/{lesson_id}/cancel"),
        ("get", "/v1/lessons/{lesson_id}/video"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    }
    found = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert expected <= found
    create = doc["paths"]["/v1/lessons"]["post"]
    assert create["description"] and "429" in create["responses"]
    assert PROBLEM in create["responses"]["429"]["content"]
    assert doc["components"]["schemas"]["LessonCreate"]["examples"]
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "ProblemDetails" in doc["components"]["schemas"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"prompt": "x" * 4001}, "body.prompt"),
        ({"scenes": [{"code": "print('no scene here')"}]}, "body.scenes[0].code"),
        ({"prompt": "p", "quality": "x"}, "body.quality"),
        ({"prompt": "p", "colour": "red"}, "body.colour"),
        ({"prompt": "p", "webhook_url": "ftp://example.com/x"}, "body.webhook_url"),
        ({}, "body"),
    ],
)
def test_validation_errors_name_the_field(
    api: ApiServer, alice: Key, body: dict[str, object], field: str
) -> None:
    problem = _problem(api.call("POST", "/v1/lessons", alice, json=body), 422, "validation-error")
    fields = [e["field"] for e in problem["errors"]]
    assert field in fields and field in str(problem["detail"])


def test_a_prompt_and_scenes_together_are_refused(api: ApiServer, alice: Key) -> None:
    body = {"prompt": "p", "scenes": [code_scene("Both", "        self.wait(1)\n")]}
    problem = _problem(api.call("POST", "/v1/lessons", alice, json=body), 422, "validation-error")
    assert "exactly one of `prompt` or `scenes`" in str(problem["detail"])


def test_oversized_bodies_and_unknown_things(api: ApiServer, alice: Key) -> None:
    huge = {"prompt": "x" * (300 * 1024)}
    _problem(api.call("POST", "/v1/lessons", alice, json=huge), 413, "payload-too-large")
    _problem(api.call("GET", "/v2/nothing", alice), 404, "not-found")
    _problem(api.call("GET", "/v1/lessons/lesson-000000000000", alice), 404, "not-found")
    malformed = _problem(
        api.call("GET", "/v1/lessons/not-a-lesson", alice), 422, "validation-error"
    )
    assert malformed["errors"][0]["field"] == "path.lesson_id"
    wrong = _problem(api.call("DELETE", "/v1/lessons", alice), 405, "method-not-allowed")
    assert wrong


def _sample(text: str, name: str, labels: str = "") -> float:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_show_requests_lessons_chunks_and_violations(api: ApiServer, alice: Key) -> None:
    before = api.call("GET", "/metrics").text
    nonce = uuid.uuid4().hex
    ok = api.create(alice, {"scenes": [code_scene("Counted", "        self.wait(0.5)\n", nonce)]})
    hog = "        hog = [0] * (10**10)\n        self.wait(0.5)\n"
    bad = api.create(alice, {"scenes": [code_scene("Hog", hog, nonce)]})
    assert api.wait_job(alice, ok, 1)["status"] == "ready"
    failed = api.wait_job(alice, bad, 1)
    assert failed["status"] == "failed" and "Memory" in failed["scenes"][0]["error"]
    after = api.call("GET", "/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text
    assert _sample(text, "scenefarm_job_store_up") == 1
    assert _sample(text, "scenefarm_lessons", '{status="ready"}') >= 1
    assert _sample(text, "scenefarm_lessons", '{status="failed"}') >= 1
    count = "scenefarm_chunk_render_seconds_count"
    assert _sample(text, count) >= _sample(before, count) + 1
    memory = ("scenefarm_sandbox_violations_total", '{kind="memory"}')
    assert _sample(text, *memory) == _sample(before, *memory) + 1
    requests_202 = (
        "scenefarm_http_requests_total",
        '{method="POST",route="/v1/lessons",status="202"}',
    )
    assert _sample(text, *requests_202) >= _sample(before, *requests_202) + 2
    assert 'scenefarm_queue_depth{kind="chunks"}' in text


def test_the_document_serves_client_generators(api: ApiServer) -> None:
    doc = api.call("GET", "/openapi.json").json()
    ids = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
    assert {"createLesson", "getLesson", "listLessons", "cancelLesson", "replaceScene"} <= ids
    problem = doc["components"]["schemas"]["ProblemDetails"]["properties"]
    assert "errors" in problem and "retry_after" in problem
    create = doc["paths"]["/v1/lessons"]["post"]["responses"]
    assert "Location" in create["202"]["headers"] and "Retry-After" in create["429"]["headers"]
    assert "WWW-Authenticate" in create["401"]["headers"] and "415" in create


def test_a_body_without_a_json_content_type_is_a_415(api: ApiServer, alice: Key) -> None:
    body = b'{"scenes": [{"code": "x"}]}'
    for headers in ({}, {"Content-Type": "text/plain"}):
        response = api.call("POST", "/v1/lessons", alice, data=body, headers=headers)
        _problem(response, 415, "unsupported-media-type")
    assert api.call("GET", "/v1/lessons", alice).status_code == 200
