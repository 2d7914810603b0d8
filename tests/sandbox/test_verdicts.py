"""The host's verdict on replies the attack suite provoked (pure: no sandbox is started)."""

from __future__ import annotations

import json
from typing import Any

from sandbox.result import SandboxStatus
from sandbox.warm import _classify


def reply(code: int, error: dict[str, Any] | None = None, raw: str | None = None) -> dict[str, Any]:
    value = raw if raw is not None else json.dumps({"error": error})
    return {"id": "j", "exit_code": code, "timed_out": False, "flooded": False, "value": value}


def test_file_size_limit_is_output_rejected() -> None:
    error = {"type": "OSError", "message": "[Errno 27] File too large", "errno": 27}
    status, _, detail = _classify(reply(3, error))
    assert (status, detail) == (SandboxStatus.OUTPUT_REJECTED, "file size limit exceeded")


def test_errno_quoted_inside_a_message_is_the_scene_s_own_error() -> None:
    error = {
        "type": "RuntimeError",
        "message": "REPORT {'x': '[Errno 101] Network is unreachable'}",
    }
    assert _classify(reply(3, error))[0] is SandboxStatus.ERROR


def test_reported_errno_decides_forbidden() -> None:
    error = {"type": "URLError", "message": "<urlopen error [Errno 101] unreachable>", "errno": 101}
    assert _classify(reply(3, error))[0] is SandboxStatus.FORBIDDEN


def test_a_deeply_nested_value_is_a_job_without_result() -> None:
    deep = '{"ok": ' + "[" * 200_000 + "]" * 200_000 + "}"
    status, _, detail = _classify(reply(0, raw=deep))
    assert status is SandboxStatus.ERROR and "without a result" in detail


def test_frames_that_are_not_a_list_are_dropped() -> None:
    _, error, _ = _classify(reply(3, {"type": "E", "message": "m", "frames": 5, "errno": "1"}))
    assert error is not None and error.frames == () and error.errno is None
