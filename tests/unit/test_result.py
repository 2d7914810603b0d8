"""sandbox.result: sanitize and JobError.line_in."""

from __future__ import annotations

import pytest

from sandbox.result import JobError, SandboxResult, SandboxStatus, sanitize


def test_sanitize_keeps_plain_text_newlines_and_tabs() -> None:
    text = "Rendering Intro\n\tframe 1/30\nDone ✓ (ünïcode)\n"
    assert sanitize(text) == text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b\x07c\x08d", "abcd"),
        ("progress\r50%\r100%", "progress50%100%"),
        ("x\x0by\x0cz", "xyz"),
        ("del\x7fete", "delete"),
        ("a\x1bb", "ab"),  # a lone ESC goes too
    ],
)
def test_sanitize_strips_control_characters(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "\x1b[31mred\x1b[0m",
        "\x1b[1;32mred\x1b[m",
        "\x1b[?25lred\x1b[?25h",
        "\x1b[2Kred",
        "\x1b]0;window title\x07red",
        "\x1b]8;;http://evil.example\x07red\x1b]8;;\x07",
    ],
)
def test_sanitize_strips_ansi_and_osc_sequences(raw: str) -> None:
    assert sanitize(raw) == "red"


def test_sanitize_leaves_no_escape_character() -> None:
    out = sanitize("\x1b[31mred\x1b[0m \x1b]0;title\x07 done")
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "red" in out
    assert out.endswith(" done")


def test_sanitize_keeps_the_tail() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    out = sanitize(text, 100)
    assert len(out) == 100
    assert text.endswith(out)
    assert out.endswith("line 999\n")


def test_sanitize_limit_applies_after_stripping() -> None:
    assert sanitize("\x00" * 50 + "abc", 3) == "abc"
    assert sanitize("abc\x00\x00\x00", 3) == "abc"


def test_sanitize_short_text_is_whole() -> None:
    assert sanitize("abc", 10) == "abc"
    assert sanitize("") == ""


def test_sanitize_default_limit_is_8k() -> None:
    assert len(sanitize("x" * 20_000)) == 8192


def _error(*frames: tuple[str, int, str]) -> JobError:
    return JobError("ValueError", "boom", "Traceback ...", frames)


def test_line_in_gives_the_innermost_frame_of_the_file() -> None:
    error = _error(
        ("/opt/scenefarm/guest0/manim_entry.py", 120, "render"),
        ("/scratch/jobs/abc/lesson.py", 10, "construct"),
        ("/venv/lib/manim/scene/scene.py", 900, "play"),
        ("/scratch/jobs/abc/lesson.py", 42, "helper"),
        ("/venv/lib/manim/mobject/text.py", 77, "__init__"),
    )
    assert error.line_in("lesson.py") == 42
    assert error.line_in("manim_entry.py") == 120
    assert error.line_in("scene.py") == 900


def test_line_in_matches_the_base_name_exactly() -> None:
    error = _error(("/scratch/jobs/abc/my_lesson.py", 5, "construct"), ("lesson.py.bak", 6, "x"))
    assert error.line_in("lesson.py") is None
    assert error.line_in("my_lesson.py") == 5


def test_line_in_without_frames() -> None:
    assert JobError("SyntaxError", "bad").line_in("lesson.py") is None


def test_result_ok_only_for_ok_status() -> None:
    assert SandboxResult(SandboxStatus.OK, 0, 1.0).ok
    for status in SandboxStatus:
        if status is not SandboxStatus.OK:
            assert not SandboxResult(status, 1, 1.0).ok
