"""Each owner's scene code runs and is cached as that owner's: the farm stamps its owner on
every source, the sandbox job carries it, and every cache key includes it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from cluster.farm.render_request import RenderRequest
from cluster.farm.service import Farm, FarmConfig
from renderers import ManimRenderer, SceneSource, file_key, scene_fingerprint
from sandbox import SandboxJob, SandboxResult, SandboxStatus

CODE = "from manim import *\n\nclass A(Scene):\n    def construct(self):\n        self.wait(1)\n"
SOURCE = SceneSource("a.py", CODE)


def test_an_owner_is_part_of_every_key_and_the_local_user_keeps_the_old_ones() -> None:
    alice, bob = replace(SOURCE, owner="alice"), replace(SOURCE, owner="bob")
    prints = {scene_fingerprint(s, "A", ["A"]) for s in (SOURCE, alice, bob)}
    lists = {file_key(s, "manim-0.19") for s in (SOURCE, alice, bob)}
    assert len(prints) == 3 and len(lists) == 3
    assert scene_fingerprint(SOURCE, "A", ["A"]) == scene_fingerprint(
        SceneSource("a.py", CODE), "A", ["A"]
    )


def test_the_farm_stamps_its_owner_on_what_it_renders(tmp_path: Path) -> None:
    farm = Farm(FarmConfig(tmp_path, owner="alice"))
    request = RenderRequest("lesson-0123456789ab", None, tmp_path / "o.mp4", parts=(("A", SOURCE),))
    owned = farm._owned(request)
    assert [part.owner for _, part in owned.parts] == ["alice"]
    assert farm.own(SOURCE).owner == "alice"
    local = Farm(FarmConfig(tmp_path))
    assert local.own(SOURCE) is SOURCE and local._owned(request) is request


class _Recording:
    """Stands in for the sandbox (unit tier): keeps the job it is given."""

    def __init__(self) -> None:
        self.jobs: list[SandboxJob] = []

    def run(self, job: SandboxJob, dest_dir: Path) -> Any:
        self.jobs.append(job)
        return SandboxResult(SandboxStatus.OK, 0, 0.1, value={"scenes": ["A"], "manim": "x"})


def test_a_sandbox_job_runs_for_the_owner_of_its_source() -> None:
    sandbox = _Recording()
    ManimRenderer().list_scenes(sandbox, replace(SOURCE, owner="bob"))  # type: ignore[arg-type]
    ManimRenderer().list_scenes(sandbox, SOURCE)  # type: ignore[arg-type]
    assert [job.owner for job in sandbox.jobs] == ["bob", None]
