"""The OpenAPI document and docs as clients use them, against the real server: `/docs` works
offline, malformed JSON is located, and a client generated from the document (by
openapi-python-client) creates a lesson and reads it back, its report and events typed."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from support.lessons import code_scene

from api.payloads import LessonEvent

from .conftest import ApiServer, Key

pytestmark = pytest.mark.integration
GENERATOR = str(Path(sys.executable).with_name("openapi-python-client"))
PACKAGE = "scenefarm_client"  # the generator's name for a document titled "scenefarm"
# The generator reads only JSON, text and application/octet-stream answers; the videos and
# posters are bytes to it (its own setting: the document says what they really are).
GENERATOR_CONFIG = "content_type_overrides:\n  video/mp4: application/octet-stream\n"
GENERATOR_CONFIG += "  image/jpeg: application/octet-stream\n"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [v for k, v in attrs if k == wanted and v]


def _expected_type(path: str) -> tuple[str, ...]:
    return {
        ".js": ("text/javascript", "application/javascript"),
        ".css": ("text/css",),
        ".png": ("image/png",),
    }[Path(path).suffix]


def test_docs_load_every_asset_from_this_server(api: ApiServer) -> None:
    page = api.call("GET", "/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    parser = _Assets()
    parser.feed(page.text)
    assert len(parser.urls) >= 3, page.text  # the script, the stylesheet, the icon
    origin = urlsplit(api.url)
    for url in parser.urls:
        absolute = urljoin(f"{api.url}/docs", url)
        assert urlsplit(absolute)[:2] == origin[:2], f"{url} is not served by the API"
        asset = api.call("GET", urlsplit(absolute).path)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in _expected_type(url), url
        assert len(asset.content) > 100, url
    assert "cdn" not in page.text.lower()
    assert api.call("GET", "/openapi.json").status_code == 200  # the document the page loads


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        (b'{"scenes": [{"code": "from manim import *', 1, 22),  # truncated mid-string
        (b'{\n  "prompt": "p",\n  "quality": "m",,\n  "max_scenes": 3\n}', 3, 18),  # ",,"
    ],
)
def test_a_malformed_json_body_names_where_it_breaks(
    api: ApiServer, alice: Key, body: bytes, line: int, column: int
) -> None:
    headers = {"Content-Type": "application/json"}
    answer = api.call("POST", "/v1/lessons", alice, data=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    [error] = problem["errors"]
    assert error["field"] == "body", error  # not `body[17]`: no such field
    assert (error["line"], error["column"]) == (line, column), error
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(body)
    assert error["offset"] == caught.value.pos
    assert f"line {line}, column {column}" in problem["detail"]


@pytest.fixture
def generated(api: ApiServer, tmp_path: Path) -> Iterator[ModuleType]:
    """The client openapi-python-client generates from the served document, imported."""
    document = tmp_path / "openapi.json"
    document.write_text(api.call("GET", "/openapi.json").text)
    config = tmp_path / "generator.yaml"
    config.write_text(GENERATOR_CONFIG)
    out = tmp_path / PACKAGE
    argv = [GENERATOR, "generate", "--path", str(document), "--meta", "none"]
    argv += ["--config", str(config), "--output-path", str(out)]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(  # its ruff hook (formatting the code) is the venv's ruff
        argv, capture_output=True, text=True, timeout=300, check=False, env=env
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0 and "warning" not in said.lower(), said
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_creates_a_lesson_and_reads_it_back(
    api: ApiServer, alice: Key, generated: ModuleType
) -> None:
    models = _module("models")
    client = generated.AuthenticatedClient(base_url=api.url, token=alice.key)
    scene = code_scene("Generated", "        self.wait(0.5)\n", uuid.uuid4().hex)
    body = models.LessonCreate(scenes=[models.SceneCode(code=scene["code"])])
    accepted = _module("api.lessons.create_lesson").sync(client=client, body=body)
    assert isinstance(accepted, models.Accepted), accepted
    listed = _module("api.lessons.list_lessons").sync(client=client, limit=100)
    assert accepted.id in [summary.id for summary in listed.data]

    api.wait_job(alice, accepted.id, accepted.job)
    lesson = _module("api.lessons.get_lesson").sync(lesson_id=accepted.id, client=client)
    assert isinstance(lesson, models.LessonPublic), lesson
    assert lesson.status == models.LessonStatus.READY, lesson
    assert [s.class_name for s in lesson.scenes] == ["Generated"]
    report = lesson.versions[0].report
    assert isinstance(report, models.RenderReport)
    [scene_report] = report.scenes
    assert scene_report.name == "Generated" and scene_report.chunks
    assert all(isinstance(c.cached, bool) for c in scene_report.chunks)
    assert report.totals.chunks == len(scene_report.chunks)
    assert report.totals.lesson_version == 1 and report.totals.claude.calls == 0

    missing = _module("api.lessons.get_lesson").sync(lesson_id="lesson-000000000000", client=client)
    assert isinstance(missing, models.ProblemDetails) and missing.status == 404


def test_every_event_sent_is_a_documented_lesson_event(
    api: ApiServer, alice: Key, generated: ModuleType
) -> None:
    """Each real event reads as the server's LessonEvent, and as the generated model of its
    kind, with nothing left over."""
    body = {"scenes": [code_scene("Evented", "        self.wait(0.5)\n", uuid.uuid4().hex)]}
    lesson_id = api.create(alice, body)
    events = api.events(alice, lesson_id)
    kinds = {e["event"] for e in events}
    assert {"job_started", "scene_planned", "chunk_done", "job_done"} <= kinds, kinds
    models = _module("models")
    document = api.call("GET", "/openapi.json").json()
    mapping = document["components"]["schemas"]["LessonEvent"]["discriminator"]["mapping"]
    by_kind = {kind: getattr(models, ref.rsplit("/", 1)[1]) for kind, ref in mapping.items()}
    for event in events:
        payload = {k: v for k, v in event.items() if k not in ("id", "event")}
        assert LessonEvent.model_validate(payload).root.kind == event["event"]
        parsed = by_kind[event["event"]].from_dict(payload)
        assert parsed.lesson == lesson_id and not parsed.additional_properties, event
        if event["event"] == "chunk_done":
            assert isinstance(parsed.data.cached, bool) and parsed.data.frames > 0
