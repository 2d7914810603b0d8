"""Delivery fixtures: moto's S3 server (one per session), a bucket per test, boto3 pointed at
it the standard way (AWS_ENDPOINT_URL), and a fault-injecting proxy on demand."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from cluster.delivery.storage import RetryPolicy, StorageConfig

from .servers import FaultProxy, start_moto, start_proxy

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
FAST_RETRY = RetryPolicy(attempts=4, base_delay_s=0.01, max_delay_s=0.05)


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    server, url = start_moto()
    yield url
    server.stop()


def aws_env(endpoint: str) -> dict[str, str]:
    return {**AWS_ENV, "AWS_ENDPOINT_URL": endpoint}


@pytest.fixture
def s3_endpoint(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """boto3 in this process talks to moto (tests may repoint it at a proxy)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in aws_env(moto_url).items():
        monkeypatch.setenv(name, value)
    return moto_url


@dataclass
class Bucket:
    name: str
    client: Any  # a plain boto3 client on moto, to look at what was stored

    def objects(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return data

    def head(self, key: str) -> dict[str, Any] | None:
        try:
            head: dict[str, Any] = self.client.head_object(Bucket=self.name, Key=key)
        except self.client.exceptions.ClientError:
            return None
        return head

    def uploads_in_progress(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.client.list_multipart_uploads(Bucket=self.name).get(
            "Uploads", []
        )
        return found


@pytest.fixture
def bucket(s3_endpoint: str) -> Bucket:
    client = boto3.session.Session().client("s3", endpoint_url=s3_endpoint)
    name = f"scenefarm-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return Bucket(name, client)


@pytest.fixture
def proxy(moto_url: str, monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> Iterator[FaultProxy]:
    """A fault-injecting proxy in front of moto; boto3 clients made after this go through it."""
    server, faults, url = start_proxy(moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", url)
    yield faults
    server.shutdown()
    server.server_close()


def s3_config(bucket: Bucket, **overrides: Any) -> StorageConfig:
    fields: dict[str, Any] = {
        "backend": "s3",
        "s3_bucket": bucket.name,
        "s3_prefix": "team/",
        "retry": FAST_RETRY,
    }
    return StorageConfig(**{**fields, **overrides})


def make_video(
    path: Path, seconds: float = 1.0, color: str = "blue", faststart: bool = True
) -> Path:
    """A small real H.264 MP4 (ffmpeg's test source), as the farm writes them."""
    source = f"color=c={color}:size=160x120:rate=15:duration={seconds}"
    flags = ["-movflags", "+faststart"] if faststart else []
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source]
    argv += ["-c:v", "libx264", "-pix_fmt", "yuv420p", *flags, str(path)]
    subprocess.run(argv, check=True, timeout=60)
    return path
