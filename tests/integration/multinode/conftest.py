"""A local multi-node Ray cluster for the module, and a farm connected to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cluster.farm import ray_api

from ..delivery.conftest import bucket, moto_url, s3_endpoint  # noqa: F401 (fixtures: moto's S3)
from .ray_nodes import RayNodes


@pytest.fixture(scope="module")
def nodes() -> Iterator[RayNodes]:
    made = RayNodes()
    try:
        yield made
    finally:
        ray_api.disconnect()
        made.shutdown()


@pytest.fixture
def worker_nodes(nodes: RayNodes) -> Iterator[RayNodes]:
    """The module's cluster; the worker nodes a test adds are gone after it."""
    yield nodes
    for node in list(nodes.workers):
        nodes.kill(node)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path
