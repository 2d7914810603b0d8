"""Log lines carry the ids passed as `extra`, as text or as one JSON object per line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from api import cli
from api.settings import Settings, get_settings
from cluster.farm import logs


def _emit(kind: str, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.formatter(kind))
    log = logging.getLogger("scenefarm.test.logs")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("chunk failed", extra=extra)
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_text_lines_end_with_the_ids() -> None:
    line = _emit("text", lesson="lesson-0123456789ab", scene="Intro", chunk="Intro[0-2]")
    assert line == (
        "WARNING scenefarm.test.logs: chunk failed "
        "lesson=lesson-0123456789ab scene=Intro chunk=Intro[0-2]\n"
    )


def test_json_lines_are_one_object_each_with_the_ids() -> None:
    out = _emit("json", lesson="lesson-0123456789ab", job=2)
    [line] = out.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "chunk failed" and entry["level"] == "WARNING"
    assert (entry["lesson"], entry["job"]) == ("lesson-0123456789ab", 2)
    assert "scene" not in entry


def test_a_line_without_ids_is_the_plain_message() -> None:
    assert _emit("text") == "WARNING scenefarm.test.logs: chunk failed\n"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format 'xml'"):
        logs.formatter("xml")


def test_the_format_is_a_setting_and_a_bad_one_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCENEFARM_LOG_FORMAT", "json")
    assert Settings().log_format == "json"
    monkeypatch.setenv("SCENEFARM_LOG_FORMAT", "xml")
    get_settings.cache_clear()
    try:
        assert cli.main(["status"]) == cli.EXIT_USAGE
    finally:
        get_settings.cache_clear()
    assert "bad setting SCENEFARM_LOG_FORMAT: Input should be 'text' or 'json'" in (
        capsys.readouterr().err
    )


def test_a_process_nobody_set_up_gets_the_format_and_others_keep_theirs() -> None:
    """Ray worker processes (runners, render workers) start with no root handler; a test
    process or the CLI running a farm in-process keeps what it has."""
    root = logging.getLogger()
    kept, level = root.handlers[:], root.level
    try:
        logs.configure_unset("json")
        assert root.handlers == kept  # pytest's own handlers: left alone
        root.handlers = []
        logs.configure_unset("json")
        [handler] = root.handlers
        assert isinstance(handler.formatter, logs.JsonFormatter)
    finally:
        root.handlers, root.level = kept, level
