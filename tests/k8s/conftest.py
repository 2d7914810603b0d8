from __future__ import annotations

import jsonschema
import pytest

from k8s.manifests import K8S, OVERLAYS, Doc, crd_validator, kustomize, load_crd_schema


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Doc]]:
    """Every overlay, rendered once by `kubectl kustomize`."""
    return {name: kustomize(K8S / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(scope="session")
def crd() -> jsonschema.protocols.Validator:
    """KubeRay's RayCluster schema, unknown fields refused (fails in CI without the CRD)."""
    return crd_validator(load_crd_schema())
