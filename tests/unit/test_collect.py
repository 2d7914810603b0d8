"""sandbox.collect.collect_outputs against real files, links and FIFOs."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.collect import OutputRejected, collect_outputs

CAP = 1 << 20


@pytest.fixture
def job(tmp_path: Path) -> Path:
    d = tmp_path / "job"
    d.mkdir()
    return d


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "dest"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.txt").write_bytes(b"host secret")
    return d


class Blocked(BaseException):
    """Raised from SIGALRM; a BaseException so that no `except OSError` can swallow it."""


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fails the test instead of hanging if a syscall blocks for more than two seconds.

    pytest-timeout may own SIGALRM too: its handler and remaining time are put back afterwards.
    """

    def _raise(signum: int, frame: object) -> None:
        raise Blocked("collect_outputs blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, _raise)
    started = time.monotonic()
    left, interval = signal.setitimer(signal.ITIMER_REAL, 2.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if left > 0:
            signal.setitimer(
                signal.ITIMER_REAL, max(left - (time.monotonic() - started), 0.01), interval
            )


def _no_partials(dest: Path) -> None:
    if dest.exists():
        assert [p.name for p in dest.iterdir() if p.name.endswith(".partial")] == []


def test_regular_file_is_copied(job: Path, dest: Path) -> None:
    (job / "chunk.mp4").write_bytes(b"\x00video\xff" * 1000)
    out = collect_outputs(job, ["chunk.mp4"], dest, CAP)
    assert out == {"chunk.mp4": dest / "chunk.mp4"}
    assert out["chunk.mp4"].read_bytes() == b"\x00video\xff" * 1000
    assert not out["chunk.mp4"].is_symlink()
    assert (job / "chunk.mp4").exists()  # the source is left alone
    _no_partials(dest)


def test_file_in_subdirectory_keeps_its_relative_path(job: Path, dest: Path) -> None:
    (job / "media").mkdir()
    (job / "media" / "a.json").write_text("{}")
    out = collect_outputs(job, ["media/a.json"], dest, CAP)
    assert out == {"media/a.json": dest / "media" / "a.json"}
    assert (dest / "media" / "a.json").read_text() == "{}"


def test_empty_file_and_several_outputs(job: Path, dest: Path) -> None:
    (job / "empty").write_bytes(b"")
    (job / "b.txt").write_bytes(b"bb")
    out = collect_outputs(job, ["empty", "b.txt"], dest, CAP)
    assert out["empty"].read_bytes() == b""
    assert out["b.txt"].read_bytes() == b"bb"


def test_no_outputs_is_fine(job: Path, dest: Path) -> None:
    assert collect_outputs(job, [], dest, CAP) == {}
    assert dest.is_dir()


def test_symlink_to_file_outside_is_refused(job: Path, dest: Path, outside: Path) -> None:
    (job / "chunk.mp4").symlink_to(outside / "secret.txt")
    with pytest.raises(OutputRejected):
        collect_outputs(job, ["chunk.mp4"], dest, CAP)
    assert not (dest / "chunk.mp4").exists()
    _no_partials(dest)


def test_relative_symlink_inside_job_is_refused(job: Path, dest: Path) -> None:
    (job / "real.mp4").write_bytes(b"x")
    (job / "chunk.mp4").symlink_to("real.mp4")
    with pytest.raises(OutputRejected):
        collect_outputs(job, ["chunk.mp4"], dest, CAP)


def test_symlinked_directory_component_is_refused(job: Path, dest: Path, outside: Path) -> None:
    (job / "media").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputRejected):
        collect_outputs(job, ["media/secret.txt"], dest, CAP)
    assert list(dest.iterdir()) == []


def test_fifo_is_refused_without_blocking(job: Path, dest: Path, alarm: None) -> None:
    os.mkfifo(job / "chunk.mp4")
    with pytest.raises(OutputRejected, match="not a regular file"):
        collect_outputs(job, ["chunk.mp4"], dest, CAP)
    assert list(dest.iterdir()) == []


def test_directory_is_refused(job: Path, dest: Path) -> None:
    (job / "chunk.mp4").mkdir()
    with pytest.raises(OutputRejected):
        collect_outputs(job, ["chunk.mp4"], dest, CAP)


def test_hard_link_is_refused(job: Path, dest: Path, outside: Path) -> None:
    os.link(outside / "secret.txt", job / "chunk.mp4")
    assert (job / "chunk.mp4").stat().st_nlink == 2
    with pytest.raises(OutputRejected, match="hard link"):
        collect_outputs(job, ["chunk.mp4"], dest, CAP)
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize(
    "name",
    [
        "../outside/secret.txt",
        "..",
        ".",
        "media/../chunk.mp4",
        "./chunk.mp4",
        "/etc/passwd",
        "",
        "a//b",
        "chunk.mp4/",
        "bad name",
        "x" * 129,
        "ok\n.mp4",
    ],
)
def test_bad_names_are_refused(job: Path, dest: Path, outside: Path, name: str) -> None:
    (job / "chunk.mp4").write_bytes(b"x")
    (job / "media").mkdir()
    with pytest.raises(OutputRejected, match="not allowed"):
        collect_outputs(job, [name], dest, CAP)
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize("name", ["chunk.mp4", "media/chunk.mp4"])
def test_missing_file_is_refused(job: Path, dest: Path, name: str) -> None:
    with pytest.raises(OutputRejected, match="not produced"):
        collect_outputs(job, [name], dest, CAP)


def test_file_component_used_as_directory_is_refused(job: Path, dest: Path) -> None:
    (job / "media").write_bytes(b"x")
    with pytest.raises(OutputRejected):
        collect_outputs(job, ["media/chunk.mp4"], dest, CAP)


def test_file_over_the_cap_is_refused(job: Path, dest: Path) -> None:
    (job / "chunk.mp4").write_bytes(b"x" * 101)
    with pytest.raises(OutputRejected, match="size cap"):
        collect_outputs(job, ["chunk.mp4"], dest, 100)
    assert not (dest / "chunk.mp4").exists()
    _no_partials(dest)


def test_file_exactly_at_the_cap_is_accepted(job: Path, dest: Path) -> None:
    (job / "chunk.mp4").write_bytes(b"x" * 100)
    out = collect_outputs(job, ["chunk.mp4"], dest, 100)
    assert out["chunk.mp4"].stat().st_size == 100


def test_cap_is_on_the_total_of_all_outputs(job: Path, dest: Path) -> None:
    (job / "a").write_bytes(b"x" * 60)
    (job / "b").write_bytes(b"y" * 60)
    assert set(collect_outputs(job, ["a"], dest, 100)) == {"a"}
    with pytest.raises(OutputRejected, match="size cap"):
        collect_outputs(job, ["a", "b"], dest, 100)


def test_job_dir_that_is_a_symlink_is_refused(tmp_path: Path, job: Path, dest: Path) -> None:
    (job / "chunk.mp4").write_bytes(b"x")
    link = tmp_path / "link"
    link.symlink_to(job, target_is_directory=True)
    with pytest.raises(OSError):
        collect_outputs(link, ["chunk.mp4"], dest, CAP)


def test_no_file_descriptors_leak(job: Path, dest: Path, outside: Path) -> None:
    (job / "ok").write_bytes(b"x")
    (job / "link").symlink_to(outside / "secret.txt")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        collect_outputs(job, ["ok"], dest, CAP)
        with pytest.raises(OutputRejected):
            collect_outputs(job, ["ok", "link"], dest, CAP)
        with pytest.raises(OutputRejected):
            collect_outputs(job, ["missing/x"], dest, CAP)
    assert len(os.listdir("/proc/self/fd")) == before


def test_distinct_outputs_never_share_a_destination(job: Path, dest: Path) -> None:
    (job / "a_b").write_bytes(b"flat")
    (job / "a").mkdir()
    (job / "a" / "b").write_bytes(b"nested")
    out = collect_outputs(job, ["a_b", "a/b"], dest, CAP)
    assert out["a_b"].read_bytes() == b"flat"
    assert out["a/b"].read_bytes() == b"nested"
