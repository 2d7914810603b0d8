"""The farm on a real multi-node Ray cluster (one machine, several raylets of one CPU each):
workers spread over the nodes, a lesson frame-identical to plain manim, a node killed in the
middle of a lesson, a node joining one, and scenes routed to worker groups."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from cluster.delivery.storage import open_storage
from cluster.farm import Event, LessonReport, ray_api
from cluster.farm.events import EventKind
from renderers import frame_hashes

from ..conftest import SCENES, manim_reference
from ..delivery.conftest import Bucket, s3_config
from .farm_run import chunks, render
from .ray_nodes import RayNodes

pytestmark = pytest.mark.integration
IDENTITY = SCENES / "identity.py"
SLOW = SCENES / "slow.py"


def _scene_video(out: Path, scene: str) -> Path:
    return next((out / "scenes").glob(f"*-{scene}.mp4"))


def test_three_nodes_render_a_lesson_identical_to_plain_manim(
    worker_nodes: RayNodes, data_dir: Path, tmp_path: Path
) -> None:
    ids = {worker_nodes.node_id(worker_nodes.add()) for _ in range(3)}
    scenes = ["TransformScene", "MathTexScene", "UpdaterScene"]  # MathTex: TeX travels too
    report = render(worker_nodes.address, data_dir, tmp_path, IDENTITY, scenes)
    ran = chunks(report)
    assert len(ran) >= 9
    used = {node for *_, node, _ in ran}
    assert used <= ids and len(used) >= 2, used  # spread, and never on the head (0 CPUs)
    assert {group for *_, group in ran} == {"cpu_render"}
    for scene in scenes:
        reference = manim_reference(IDENTITY, scene, tmp_path / "manim")
        assert frame_hashes(_scene_video(tmp_path, scene)) == frame_hashes(reference), scene


def test_a_node_killed_mid_lesson_loses_no_chunk(
    worker_nodes: RayNodes, data_dir: Path, tmp_path: Path
) -> None:
    survivor, victim = worker_nodes.add(), worker_nodes.add()
    events: list[Event] = []
    killed: list[float] = []

    def kill_once_busy() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not events_of(events, EventKind.SCENE_PLANNED):
            time.sleep(0.05)
        while time.monotonic() < deadline and not worker_nodes.busy(victim):
            time.sleep(0.05)
        if worker_nodes.busy(victim):  # inside a multi-second chunk
            killed.append(worker_nodes.kill(victim))

    killer = threading.Thread(target=kill_once_busy)
    killer.start()
    report = render(worker_nodes.address, data_dir, tmp_path, SLOW, ["SlowA"], events.append)
    killer.join()
    assert killed, "the victim node was never seen rendering"
    ran = chunks(report)
    retried = [c for c in ran if c[2] >= 2]
    assert retried, ran  # the chunk it was drawing ran again ...
    assert all(node == worker_nodes.node_id(survivor) for *_, node, _ in retried)  # elsewhere
    reference = manim_reference(SLOW, "SlowA", tmp_path / "manim")
    assert frame_hashes(_scene_video(tmp_path, "SlowA")) == frame_hashes(reference)


def test_a_node_that_joins_mid_lesson_gets_work(
    worker_nodes: RayNodes, data_dir: Path, tmp_path: Path
) -> None:
    worker_nodes.add()
    ray_api.connect(worker_nodes.address)  # here: Ray is joined from the main thread
    events: list[Event] = []
    done: list[LessonReport | BaseException] = []

    def lesson() -> None:
        try:
            scenes = ["SlowA", "SlowB"]
            done.append(
                render(worker_nodes.address, data_dir, tmp_path, SLOW, scenes, events.append)
            )
        except BaseException as e:
            done.append(e)

    rendering = threading.Thread(target=lesson)
    rendering.start()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not events_of(events, EventKind.SCENE_PLANNED):
        time.sleep(0.05)
    assert not done, done  # still rendering: the node joins mid-lesson
    joined = worker_nodes.node_id(worker_nodes.add())  # a node starts on the main thread only
    rendering.join(timeout=600)
    [report] = done
    assert isinstance(report, LessonReport), report
    ran = chunks(report)
    assert any(node == joined for *_, node, _ in ran), ran
    assert report.video is not None and report.totals["rendered_chunks"] == len(ran) == 6


def test_a_scene_renders_in_the_group_it_requires(
    worker_nodes: RayNodes, data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cpu = worker_nodes.node_id(worker_nodes.add("cpu_render"))
    # a GPU node as Ray sees one (the scene still draws in software: this routes, the GPU
    # renderers are another issue's); its worker holds the node's GPU
    gpu = worker_nodes.node_id(worker_nodes.add("gpu_render", gpus=1))
    scenes = ["TransformScene", "LaggedScene"]
    groups = (("LaggedScene", "gpu_render"),)
    report = render(worker_nodes.address, data_dir, tmp_path, IDENTITY, scenes, groups=groups)
    where = {(scene, node, group) for scene, _, _, node, group in chunks(report)}
    assert where == {
        ("TransformScene", cpu, "cpu_render"),
        ("LaggedScene", gpu, "gpu_render"),
    }
    # its chunks waited in their group's queue, published and back to zero at the end, in
    # this process's Prometheus registry and as a Ray metric
    assert REGISTRY.get_sample_value("scenefarm_group_queue_depth", {"group": "gpu_render"}) == 0.0
    assert not [r for r in caplog.records if "queue depth" in r.getMessage()]
    assert "queue_depth" in ray_api._gauges


def test_farms_on_two_nodes_share_chunks_through_s3(
    worker_nodes: RayNodes, bucket: Bucket, tmp_path: Path
) -> None:
    """Two farms, each with its own data dir and local cache tier (as lesson runners on two
    nodes): the second finds every chunk the first rendered in the S3 tier."""
    worker_nodes.add()
    worker_nodes.add()
    scenes = ["TransformScene"]
    firsts, seconds = tmp_path / "a", tmp_path / "b"
    for folder in (firsts, seconds):
        (folder / "data").mkdir(parents=True)
    storage = open_storage(s3_config(bucket))
    first = render(worker_nodes.address, firsts / "data", firsts, IDENTITY, scenes, storage=storage)
    assert first.totals["rendered_chunks"] == len(chunks(first)) >= 2
    assert any(key.startswith("team/chunks/") for key in bucket.objects())
    second = render(
        worker_nodes.address, seconds / "data", seconds, IDENTITY, scenes, storage=storage
    )
    assert [c[3] for c in chunks(second)] == [None] * len(chunks(first))  # none rendered
    assert second.totals["cached_chunks"] == len(chunks(first))
    assert frame_hashes(seconds / "lesson.mp4") == frame_hashes(firsts / "lesson.mp4")


def events_of(events: list[Event], kind: EventKind) -> list[Event]:
    return [e for e in list(events) if e.kind == kind]
