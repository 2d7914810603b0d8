"""`scenefarm render` with SCENEFARM_STORAGE=s3, end to end: the real CLI, a real local Ray
cluster with bwrap sandboxes, ffmpeg, and moto's S3 server over HTTP."""

from __future__ import annotations

import io
import json
import re
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cluster.farm import running_address
from renderers import extract_poster

from ..conftest import SCENES, Farm, Run
from .conftest import Bucket, aws_env
from .servers import FaultProxy

pytestmark = pytest.mark.integration

SCENE_NAMES = ("TransformScene", "WaitsOnly")


class S3Farm(Farm):
    """The CLI as a user runs it, with S3 settings (and optionally a cluster to join)."""

    def __init__(self, data_dir: Path, tmp: Path, endpoint: str, bucket: str) -> None:
        super().__init__(data_dir, tmp)
        self.extra = {
            **aws_env(endpoint),
            "SCENEFARM_STORAGE": "s3",
            "SCENEFARM_S3_BUCKET": bucket,
            "SCENEFARM_S3_PREFIX": "farm",
        }

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.extra}


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read()
    return data


def _mean_difference(a: bytes, b: bytes) -> float:
    pixels = [np.asarray(Image.open(io.BytesIO(x)).convert("RGB"), dtype=np.int16) for x in (a, b)]
    return float(np.abs(pixels[0] - pixels[1]).mean())


def _ok(run: Run) -> Run:
    assert run.code == 0, run.stderr[-3000:]
    return run


def test_render_publishes_to_s3_and_another_farm_reuses_the_chunks(
    farm: Farm, bucket: Bucket, moto_url: str, tmp_path: Path
) -> None:
    s3 = S3Farm(farm.data_dir, tmp_path / "one", moto_url, bucket.name)
    first = _ok(s3.render(SCENES / "identity.py", *SCENE_NAMES, "--workers", "2"))

    lesson = first.report["lesson_id"]
    assert _fetch(first.report["video_url"]) == first.output.read_bytes()
    for scene in first.report["scenes"]:
        assert _fetch(scene["video_url"]) == first.scene_video(scene["name"]).read_bytes()
        poster = _fetch(scene["poster_url"])
        assert poster[:3] == b"\xff\xd8\xff"
        assert poster == Path(scene["poster"]).read_bytes()  # made while the lesson rendered
    # The lesson ends on its last scene's last frame: its poster is that scene's, the picture
    # that extracting it from the lesson video gives (through H.264, so not byte for byte).
    lesson_poster = _fetch(first.report["poster_url"])
    assert lesson_poster == _fetch(first.report["scenes"][-1]["poster_url"])
    decoded = extract_poster(first.output, tmp_path / "lesson.jpg").read_bytes()
    assert _mean_difference(lesson_poster, decoded) < 4.0
    stored = bucket.objects()
    for index in (1, 2):
        for name in ("scene.mp4", "poster.jpg", "scene.py"):
            assert f"farm/lessons/{lesson}/scenes/{index}/v1/{name}" in stored
    assert {f"farm/lessons/{lesson}/v1/lesson.mp4", f"farm/lessons/{lesson}/v1/poster.jpg"} < stored
    chunks = {k for k in stored if k.startswith("farm/chunks/")}
    assert len(chunks) == first.report["totals"]["chunks"] > 0
    assert (
        bucket.read(f"farm/lessons/{lesson}/scenes/1/v1/scene.py")
        == (SCENES / "identity.py").read_bytes()
    )

    # A second farm (its own, empty data dir; the same cluster and bucket) renders nothing.
    other = S3Farm(tmp_path / "other-data", tmp_path / "two", moto_url, bucket.name)
    other.extra["RAY_ADDRESS"] = running_address(farm.data_dir) or ""
    second = _ok(other.render(SCENES / "identity.py", *SCENE_NAMES, "--workers", "2"))

    assert second.report["totals"]["rendered_chunks"] == 0
    assert second.report["totals"]["cached_chunks"] == first.report["totals"]["chunks"]
    assert second.output.read_bytes() == first.output.read_bytes()
    assert "/v1/lesson.mp4" in second.report["video_url"]  # the same version, not a new one


def test_a_storage_failure_fails_the_render_and_keeps_the_chunks(
    farm: Farm, bucket: Bucket, moto_url: str, tmp_path: Path
) -> None:
    lesson = tmp_path / "lesson.py"  # a scene of its own, so its chunks are rendered here
    lesson.write_text((SCENES / "identity.py").read_text().replace('Text("hold")', 'Text("kept")'))
    missing = S3Farm(farm.data_dir, tmp_path / "one", moto_url, "no-such-bucket-here")
    failed = missing.render(lesson, "WaitsOnly")

    assert failed.code == 1
    last = failed.stderr.strip().splitlines()[-1]
    assert re.fullmatch(
        r"scenefarm: upload of s3://no-such-bucket-here/farm/\S+\.mp4 failed: NoSuchBucket .*", last
    ), last
    assert failed.report["error"] and failed.report["totals"]["rendered_chunks"] > 0

    fixed = S3Farm(farm.data_dir, tmp_path / "two", moto_url, bucket.name)
    again = _ok(fixed.render(lesson, "WaitsOnly"))
    assert again.report["totals"]["rendered_chunks"] == 0
    chunks = {k for k in bucket.objects() if k.startswith("farm/chunks/")}
    assert len(chunks) == again.report["totals"]["chunks"]


def test_a_failed_lesson_upload_fails_the_render_naming_the_key(
    farm: Farm, bucket: Bucket, proxy: FaultProxy, tmp_path: Path
) -> None:
    fault = proxy.fail("PUT", r"/lessons/.*/v1/lesson\.mp4$", times=-1)
    s3 = S3Farm(farm.data_dir, tmp_path, proxy.url, bucket.name)
    run = s3.render(SCENES / "identity.py", "WaitsOnly")

    assert run.code == 1
    key = f"s3://{bucket.name}/farm/lessons/{run.report['lesson_id']}/v1/lesson.mp4"
    assert run.stderr.strip().splitlines()[-1] == (
        f"scenefarm: upload of {key} failed: InternalError (HTTP 500) injected by the test proxy"
    )
    assert fault.matched == 5  # the default policy: 5 attempts
    assert not any(k.endswith("/lesson.mp4") for k in bucket.objects())
    assert any(k.startswith("farm/chunks/") for k in bucket.objects())


def test_bad_storage_settings_are_a_usage_error(farm: Farm, tmp_path: Path) -> None:
    s3 = S3Farm(farm.data_dir, tmp_path, "http://127.0.0.1:9", "")
    run = s3.render(SCENES / "identity.py", "WaitsOnly")
    assert run.code == 2
    assert "SCENEFARM_STORAGE=s3 needs SCENEFARM_S3_BUCKET" in run.stderr
    assert json.dumps(run.report) == "{}"  # stopped before rendering anything
