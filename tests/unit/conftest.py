"""The unit tier starts no cluster: a test that reaches Ray fails, naming the rule."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from cluster.farm import ray_api


class RayInUnitTest(AssertionError):
    """Unit tests run the farm on `ThreadCluster`; anything that needs Ray is an integration
    test (tests/integration)."""


@pytest.fixture(autouse=True)
def no_ray(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def forbidden() -> ModuleType:
        raise RayInUnitTest("a unit test reached Ray: use cluster.farm.thread_cluster instead")

    monkeypatch.setattr(ray_api, "_ray", forbidden)
    yield
