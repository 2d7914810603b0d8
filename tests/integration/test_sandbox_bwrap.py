"""The bwrap backend, driven directly: confinement, limits, typed results, safe outputs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox import Sandbox, SandboxJob, SandboxLimits, SandboxSpec, SandboxStatus, make_sandbox

pytestmark = pytest.mark.integration
GUEST = Path(__file__).parent / "guest"


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    limits = SandboxLimits(wall_s=20, cpu_s=20, memory_mb=1024, processes=32, file_size_mb=8)
    sandbox = make_sandbox("bwrap", SandboxSpec(guest_dirs=(GUEST,), limits=limits))
    sandbox.start()
    yield sandbox
    sandbox.close()


def run(box: Sandbox, code: str, tmp: Path, outputs: tuple[str, ...] = (), **limits: int) -> Any:
    job_limits = SandboxLimits(wall_s=20, cpu_s=20, memory_mb=1024, processes=32, file_size_mb=8)
    job = SandboxJob(
        "probe_guest:run", {"code": code}, outputs=outputs, limits=job_limits.override(**limits)
    )
    return box.run(job, tmp)


def test_runs_as_unprivileged_user_without_capabilities(box: Sandbox, tmp_path: Path) -> None:
    code = "import os; result = [os.getuid(), open('/proc/self/status').read()]"
    result = run(box, code, tmp_path)
    assert result.status is SandboxStatus.OK
    uid, status = result.value
    assert uid >= 1000
    assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status


def test_environment_has_no_secrets(
    box: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-secret")
    result = run(box, "import os; result = dict(os.environ)", tmp_path)
    assert result.status is SandboxStatus.OK
    assert not [k for k in result.value if "KEY" in k or k.startswith(("AWS", "REDIS", "RAY"))]
    assert "sk-test-secret" not in str(result.value)
    assert result.value["openin_any"] == "p" and result.value["shell_escape"] == "f"


@pytest.mark.parametrize(
    "path", ["/root", "/home", "/etc/shadow", "/var/run/docker.sock", os.getcwd()]
)
def test_host_paths_are_absent(box: Sandbox, tmp_path: Path, path: str) -> None:
    result = run(box, f"import os; result = os.path.exists({path!r})", tmp_path)
    assert result.status is SandboxStatus.OK and result.value is False


def test_system_is_read_only(box: Sandbox, tmp_path: Path) -> None:
    result = run(box, "open('/usr/evil', 'w')", tmp_path)
    assert result.status is SandboxStatus.FORBIDDEN


def test_no_network(box: Sandbox, tmp_path: Path) -> None:
    code = "import socket; socket.create_connection(('1.1.1.1', 443), timeout=3)"
    result = run(box, code, tmp_path)
    assert result.status is SandboxStatus.FORBIDDEN and result.error is not None


def test_wall_clock_timeout_then_next_job_works(box: Sandbox, tmp_path: Path) -> None:
    result = run(box, "import time; time.sleep(60)", tmp_path, wall_s=2)
    assert result.status is SandboxStatus.TIMEOUT
    assert run(box, "result = 42", tmp_path).value == 42


def test_fork_bomb_is_contained(box: Sandbox, tmp_path: Path) -> None:
    code = "import os\nwhile True:\n    os.fork()"
    result = run(box, code, tmp_path, wall_s=10)
    assert result.status is not SandboxStatus.OK
    assert run(box, "result = 'alive'", tmp_path).value == "alive"


def test_files_do_not_persist_between_jobs(box: Sandbox, tmp_path: Path) -> None:
    code = "import os; open('/tmp/left', 'w').write('x'); open(os.path.expanduser('~/.x'), 'w')"
    assert run(box, code, tmp_path).status is SandboxStatus.OK
    paths = "('/tmp/left', os.path.expanduser('~/.x'))"
    check = f"import os; result = [os.path.exists(p) for p in {paths}]"
    assert run(box, check, tmp_path).value == [False, False]


def test_outputs_are_collected_without_following_links(box: Sandbox, tmp_path: Path) -> None:
    ok = run(box, "open('out.txt', 'w').write('hello')", tmp_path / "a", outputs=("out.txt",))
    assert ok.status is SandboxStatus.OK and ok.outputs["out.txt"].read_text() == "hello"
    link = run(
        box, "import os; os.symlink('/etc/passwd', 'out.txt')", tmp_path / "b", outputs=("out.txt",)
    )
    assert link.status is SandboxStatus.OUTPUT_REJECTED
    fifo = run(box, "import os; os.mkfifo('out.txt')", tmp_path / "c", outputs=("out.txt",))
    assert fifo.status is SandboxStatus.OUTPUT_REJECTED


def test_exception_is_reported_with_line(box: Sandbox, tmp_path: Path) -> None:
    result = run(box, "x = 1\nraise KeyError('nope')", tmp_path)
    assert result.status is SandboxStatus.ERROR
    assert (
        result.error is not None
        and result.error.type == "KeyError"
        and "nope" in result.error.message
    )


def test_killing_the_zygote_is_a_typed_result(box: Sandbox, tmp_path: Path) -> None:
    result = run(box, "import os, signal; os.kill(os.getppid(), signal.SIGKILL)", tmp_path)
    assert result.status is SandboxStatus.KILLED
    assert run(box, "result = 'back'", tmp_path).value == "back"


def test_a_job_keeps_the_heap_it_frees(box: Sandbox, tmp_path: Path) -> None:
    """A buffer freed and allocated again is not faulted in anew (glibc would hand a 40 MB
    one back to the kernel at each free: 10,240 page faults per allocation)."""
    code = (
        "import resource\n"
        "def faults(): return resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "bytearray(40 << 20)\n"
        "before = faults()\n"
        "for _ in range(10): bytearray(40 << 20)\n"
        "result = faults() - before"
    )
    result = run(box, code, tmp_path)
    assert result.status is SandboxStatus.OK
    assert result.value < 10_240  # fewer than one buffer's pages for all ten
