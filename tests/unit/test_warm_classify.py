"""sandbox.warm._classify: the host's verdict on a guest reply (pure; no sandbox is started)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.result import SandboxStatus
from sandbox.warm import _base_result, _classify, _value

OK_VALUE = json.dumps({"ok": {"frames": 30}})
ERROR_VALUE = json.dumps(
    {
        "error": {
            "type": "NameError",
            "message": "name 'Cirle' is not defined",
            "traceback": "Traceback (most recent call last): ...",
            "frames": [
                ["/opt/scenefarm/guest0/manim_entry.py", 120, "render"],
                ["/scratch/jobs/j1/lesson.py", 7, "construct"],
            ],
        }
    }
)


def reply(exit_code: int | None = 0, value: str | None = None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "j1",
        "exit_code": exit_code,
        "timed_out": False,
        "flooded": False,
        "duration_s": 1.5,
        "cpu_s": 1.2,
        "maxrss_kb": 2048,
        "stdout": "",
        "stderr": "",
    }
    if value is not None:
        base["value"] = value
    return {**base, **extra}


def test_exit_zero_with_ok_value_is_ok() -> None:
    status, error, detail = _classify(reply(0, OK_VALUE))
    assert status is SandboxStatus.OK
    assert error is None
    assert detail == ""


def test_ok_value_may_be_null() -> None:
    assert _classify(reply(0, '{"ok": null}'))[0] is SandboxStatus.OK


@pytest.mark.parametrize(
    "value", [None, "", "null", "{}", '"ok"', '["ok"]', '{"okay": 1}', "{not json"]
)
def test_exit_zero_without_an_ok_value_is_error(value: str | None) -> None:
    status, error, detail = _classify(reply(0, value))
    assert status is SandboxStatus.ERROR
    assert error is None
    assert "without a result" in detail


def test_timed_out_is_timeout_whatever_the_job_claims() -> None:
    status, _, detail = _classify(reply(0, OK_VALUE, timed_out=True))
    assert status is SandboxStatus.TIMEOUT
    assert "wall-clock" in detail
    assert _classify(reply(-9, None, timed_out=True))[0] is SandboxStatus.TIMEOUT


def test_flooded_is_output_rejected_whatever_the_job_claims() -> None:
    status, _, detail = _classify(reply(0, OK_VALUE, flooded=True))
    assert status is SandboxStatus.OUTPUT_REJECTED
    assert "output cap" in detail


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (-24, SandboxStatus.TIMEOUT),  # SIGXCPU: RLIMIT_CPU
        (-25, SandboxStatus.OUTPUT_REJECTED),  # SIGXFSZ: RLIMIT_FSIZE
        (-9, SandboxStatus.KILLED),  # SIGKILL
        (-11, SandboxStatus.KILLED),  # SIGSEGV
        (-15, SandboxStatus.KILLED),  # any other signal
        (4, SandboxStatus.MEMORY),
        (5, SandboxStatus.FORBIDDEN),
    ],
)
def test_exit_status_decides(code: int, status: SandboxStatus) -> None:
    assert _classify(reply(code, None))[0] is status
    # the job's own claim of success changes nothing
    assert _classify(reply(code, OK_VALUE))[0] is status


def test_unknown_signal_is_named_in_the_detail() -> None:
    assert "signal 15" in _classify(reply(-15))[2]


def test_cpu_limit_detail() -> None:
    assert "CPU" in _classify(reply(-24))[2]


def test_exit_three_with_an_error_is_error_with_the_job_error() -> None:
    status, error, detail = _classify(reply(3, ERROR_VALUE))
    assert status is SandboxStatus.ERROR
    assert error is not None
    assert error.type == "NameError"
    assert detail == error.message == "name 'Cirle' is not defined"
    assert error.frames[-1] == ("/scratch/jobs/j1/lesson.py", 7, "construct")
    assert error.line_in("lesson.py") == 7


@pytest.mark.parametrize("code", [1, 2, 3, 127, None])
def test_non_zero_exit_claiming_success_is_not_ok(code: int | None) -> None:
    status, _, detail = _classify(reply(code, OK_VALUE))
    assert status is SandboxStatus.ERROR
    assert "without a result" in detail


def test_errno_permission_error_is_forbidden() -> None:
    value = json.dumps(
        {"error": {"type": "PermissionError", "message": "[Errno 13] Permission denied: '/etc'"}}
    )
    status, error, _ = _classify(reply(3, value))
    assert status is SandboxStatus.FORBIDDEN
    assert error is not None and error.type == "PermissionError"


def test_job_error_text_is_sanitized() -> None:
    value = json.dumps(
        {"error": {"type": "E\x00rr", "message": "bad\x07 thing", "frames": [["a.py", 1]]}}
    )
    _, error, _ = _classify(reply(3, value))
    assert error is not None
    assert (error.type, error.message) == ("Err", "bad thing")
    assert error.frames == ()  # malformed frames are dropped


@pytest.mark.parametrize("line", ["seven", None, 1e400])
def test_malformed_frame_line_does_not_crash_the_verdict(line: object) -> None:
    value = json.dumps(
        {"error": {"type": "E", "message": "m", "frames": [["lesson.py", line, "f"]]}}
    )
    status, _, _ = _classify(reply(3, value))
    assert status is SandboxStatus.ERROR


def test_value_parses_only_json_objects() -> None:
    assert _value({"value": '{"ok": 1}'}) == {"ok": 1}
    assert _value({"value": "[1, 2]"}) == {}
    assert _value({"value": "not json"}) == {}
    assert _value({}) == {}


def test_base_result_converts_and_sanitizes() -> None:
    base = _base_result(
        reply(0, OK_VALUE, stdout="\x00hello\n", stderr="x" * 10_000, maxrss_kb=3072)
    )
    assert base["exit_code"] == 0
    assert base["duration_s"] == 1.5
    assert base["peak_memory_mb"] == 3.0
    assert base["stdout_tail"] == "hello\n"
    assert len(base["stderr_tail"]) == 8192
