"""The OpenAPI document as client generators read it: one 422 schema (ours), the render report
and every event kind typed, and the payload models matching what the farm really writes."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api.main import create_app
from api.payloads import (
    KIND_DOCS,
    ChunkReportPublic,
    LessonEvent,
    RenderReport,
    SceneReportPublic,
)
from api.settings import Settings
from api.sse import frame
from cluster.farm.report import ChunkReport, LessonReport, SceneReport
from cluster.jobs.store import StoredEvent
from scenes.event_kinds import EventKind

REF = "#/components/schemas/"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app as `serve` builds it; its lifespan (Redis, Ray) never runs here."""
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("data")))


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    doc: dict[str, Any] = app.openapi()
    return doc


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{m} {p}", op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def test_every_422_is_our_problem_schema(document: dict[str, Any]) -> None:
    responses = [(name, op["responses"]) for name, op in _operations(document)]
    with_422 = [(name, answers["422"]) for name, answers in responses if "422" in answers]
    assert len(with_422) >= 9  # every route with a body, a path or a query parameter
    for name, response in with_422:
        assert list(response["content"]) == ["application/problem+json"], name
        schema = response["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": REF + "ProblemDetails"}, name
    text = json.dumps(document)
    assert "HTTPValidationError" not in text and REF + "ValidationError" not in text
    assert not {"HTTPValidationError", "ValidationError"} & set(document["components"]["schemas"])


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A property's schema, through `$ref` and `anyOf: [X, null]`."""
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            found: dict[str, Any] = doc["components"]["schemas"][option["$ref"].removeprefix(REF)]
            return found
    return schema


def test_the_report_is_typed_down_to_its_chunks(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    report = _resolve(document, schemas["VersionPublic"]["properties"]["report"])
    assert report["title"] == "RenderReport"
    scene = _resolve(document, report["properties"]["scenes"]["items"])
    chunk = _resolve(document, scene["properties"]["chunks"]["items"])
    assert {"cached", "frames", "render_s", "first_animation"} <= set(chunk["properties"])
    assert chunk["properties"]["cached"]["type"] == "boolean"
    totals = _resolve(document, report["properties"]["totals"])
    assert {"chunks", "cached_chunks", "rendered_chunks", "failed_scenes"} <= set(
        totals["properties"]
    )


def test_every_event_kind_is_documented_with_its_data(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    event = schemas["LessonEvent"]
    mapping = event["discriminator"]["mapping"]
    assert set(mapping) == {kind.value for kind in EventKind} == set(KIND_DOCS)
    chunk_done = schemas[mapping["chunk_done"].removeprefix(REF)]
    data = _resolve(document, chunk_done["properties"]["data"])
    assert data["properties"]["cached"]["type"] == "boolean"
    for kind, ref in mapping.items():
        described = schemas[ref.removeprefix(REF)]["properties"]["kind"]["description"]
        assert f"`{kind}`" in described
    events = document["paths"]["/v1/lessons/{lesson_id}/events"]["get"]["responses"]["200"]
    assert events["content"]["text/event-stream"]["x-event-data"] == {"$ref": REF + "LessonEvent"}


def test_the_report_model_reads_what_the_farm_writes() -> None:
    chunk = ChunkReport(0, 2, 30, 1.25, False, attempts=1, group="cpu", node="n1")
    scenes = [
        SceneReport("Intro", 30, 2.0, [chunk], video_url="http://x/v.mp4"),
        SceneReport("Broken", 0, 0.0, [], error="boom", status="failed", error_status="error"),
    ]
    made = LessonReport.build("lesson-0123456789ab", scenes, 3.5)
    made.totals |= {"lesson_version": 2, "phases": {"probe_s": 0.5}}  # as the Studio adds
    made.totals["claude"] = {"calls": 1, "input_tokens": 9, "output_tokens": 3, "cost_usd": 0.1}
    written = made.to_json()
    report = RenderReport.model_validate(written)
    assert report.scenes[0].chunks[0].render_s == 1.25 and report.totals.failed_scenes == 1
    shown = report.model_dump(exclude_none=True)
    assert shown["scenes"][1]["error_status"] == "error"
    claude = shown["totals"].pop("claude")
    assert claude.items() >= written["totals"].pop("claude").items()
    assert shown["totals"] == written["totals"]  # nothing the farm writes is dropped


@pytest.mark.parametrize(
    ("written", "model"),
    [
        (ChunkReport, ChunkReportPublic),
        (SceneReport, SceneReportPublic),
        (LessonReport, RenderReport),
    ],
)
def test_the_report_models_name_every_field_the_farm_writes(
    written: type[Any], model: type[BaseModel]
) -> None:
    assert {f.name for f in fields(written)} == set(model.model_fields)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (EventKind.CHUNK_DONE, {"cached": False, "render_s": 0.5, "frames": 15, "group": None}),
        (EventKind.SCENE_PLANNED, {"chunks": 3, "cached": 1}),
        (EventKind.CHUNKS_PLANNED, {"total": 3, "cached": 1}),
        (EventKind.JOB_STARTED, {"job": 1, "op": "create", "state": "running", "index": 0}),
        (EventKind.JOB_FAILED, {}),  # the runner failed before the job started
        (EventKind.SCENE_FAILED, {"status": "memory", "kind": "MemoryError"}),
        (EventKind.LESSON_STATUS, {}),
    ],
)
def test_each_event_is_sent_as_its_typed_model(kind: EventKind, data: dict[str, Any]) -> None:
    stored = StoredEvent(id="1-0", kind=kind, lesson="lesson-0123456789ab", data=data, at=1.0)
    lines = dict(line.split(": ", 1) for line in frame(stored).strip().splitlines())
    assert lines["id"] == "1-0" and lines["event"] == kind.value
    sent = json.loads(lines["data"])
    typed = LessonEvent.model_validate(sent).root
    assert typed.kind == kind.value and sent["lesson"] == "lesson-0123456789ab"
    assert {k: v for k, v in sent["data"].items() if v is not None} == {
        k: v for k, v in data.items() if v is not None
    }


def test_an_event_the_model_does_not_describe_is_still_sent() -> None:
    stored = StoredEvent(id="2-0", kind="chunk_done", lesson="l", data={"cached": "maybe"})
    sent = json.loads(frame(stored).split("data: ", 1)[1])
    assert sent["data"] == {"cached": "maybe"}


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        ('{"prompt": "Explain the Pythag', 1, 12),  # truncated: the string never ends
        ('{\n  "prompt": "p",\n  "quality" "m"\n}', 3, 13),  # a colon missing mid-way
    ],
)
def test_malformed_json_names_its_position(
    client: TestClient, body: str, line: int, column: int
) -> None:
    """Through the app as it answers (no server: FastAPI refuses the body before any route
    needs Redis)."""
    headers = {"Content-Type": "application/json"}
    answer = client.post("/v1/lessons", content=body.encode(), headers=headers)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    [error] = problem["errors"]
    assert error["field"] == "body" and (error["line"], error["column"]) == (line, column)
    assert error["offset"] == json_error_offset(body)
    assert f"line {line}, column {column}" in problem["detail"]


def json_error_offset(body: str) -> int:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(body)
    return caught.value.pos


def test_the_swagger_ui_files_come_from_the_installed_package() -> None:
    from api.docs_ui import assets_dir

    found = {p.name for p in Path(assets_dir()).iterdir()}
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"} <= found
