from __future__ import annotations

import pytest

from k8s.manifests import K8S, OVERLAYS, Doc, kustomize


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Doc]]:
    """Every overlay, rendered once by `kubectl kustomize`."""
    return {name: kustomize(K8S / "overlays" / name) for name in OVERLAYS}
