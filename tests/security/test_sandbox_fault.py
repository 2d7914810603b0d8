"""A sandbox whose scratch space is exhausted is the sandbox's fault, not the next scene's
(issue 21, item 2): the job never runs there, the sandbox is recycled, and the error is a typed
SandboxFault (the farm retries it elsewhere); host-side removal works on dirs a job locked."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxFault, SandboxJob, SandboxLimits, SandboxSpec, make_sandbox
from sandbox.warm import WarmSandbox, remove_tree

pytestmark = pytest.mark.integration
LIMITS = SandboxLimits(cpu_s=10, wall_s=20, memory_mb=512, scratch_mb=64)
JOB = SandboxJob(entry="json:dumps", payload={"hello": "sandbox"})


@pytest.fixture
def box() -> Iterator[WarmSandbox]:
    if os.geteuid() != 0:
        pytest.skip("the scratch space is a filesystem of its own as root only")
    sandbox = make_sandbox("bwrap", SandboxSpec(limits=LIMITS, owner="fault-test"))
    assert isinstance(sandbox, WarmSandbox)
    yield sandbox
    sandbox.close()


def test_exhausted_scratch_is_a_sandbox_fault_and_the_next_run_works(
    box: WarmSandbox, tmp_path: Path
) -> None:
    assert box.run(JOB, tmp_path).ok, "the control: a job runs"
    mounts = box._mounts
    assert mounts is not None and mounts.scratch.is_mount()
    # what a job cannot do (its dir is removed after it, the cache is kept in budget), the
    # host's leftovers could: most of the scratch space taken outside the cache
    with (mounts.scratch / "leftover").open("wb") as f:
        f.write(b"\0" * (48 << 20))
    with pytest.raises(SandboxFault, match="scratch space exhausted"):
        box.run(JOB, tmp_path)
    assert box.uid is None, "the faulty sandbox was recycled"
    again = box.run(JOB, tmp_path)
    assert again.ok and again.value == '{"hello": "sandbox"}'


def test_remove_tree_removes_dirs_a_job_locked(tmp_path: Path) -> None:
    job = tmp_path / "job"
    (job / "a" / "b").mkdir(parents=True)
    (job / "a" / "b" / "f").write_text("x")
    (job / "link").symlink_to(tmp_path)  # removed as a link, never followed
    (job / "a" / "b").chmod(0)
    (job / "a").chmod(stat.S_IRUSR)
    remove_tree(job)
    assert not job.exists() and tmp_path.exists()
