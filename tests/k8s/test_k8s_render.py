"""Each overlay renders with `kubectl kustomize`, and a broken one does not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from k8s.manifests import K8S, OVERLAYS, Doc, kustomize, of_kind, one


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_the_whole_deployment(overlay: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[overlay]
    kinds = {d["kind"] for d in docs}
    assert {"RayCluster", "Service", "StatefulSet", "ConfigMap", "NetworkPolicy"} <= kinds
    assert {"ServiceMonitor", "PodMonitor", "ServiceAccount", "DaemonSet"} <= kinds
    assert all(
        d["metadata"].get("namespace") == "scenefarm"
        for d in docs
        if d["kind"] not in ("Namespace", "RuntimeClass")
    )


def test_gpu_overlay_adds_the_gpu_group(rendered: dict[str, list[Doc]]) -> None:
    groups = {
        name: [g["groupName"] for g in one(docs, "RayCluster")["spec"]["workerGroupSpecs"]]
        for name, docs in rendered.items()
    }
    assert groups == {"cpu": ["cpu"], "gpu": ["cpu", "gpu"], "gvisor": ["cpu"]}


def test_gvisor_overlay_runs_workers_under_runsc(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["gvisor"]
    assert one(docs, "RuntimeClass", "gvisor")["handler"] == "runsc"
    (cpu,) = one(docs, "RayCluster")["spec"]["workerGroupSpecs"]
    assert cpu["template"]["spec"]["runtimeClassName"] == "gvisor"


def test_ingress_component_renders(tmp_path: Path) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    overlay = copy / "overlays" / "cpu-ingress"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        "resources: [../cpu]\ncomponents: [../../components/ingress]\n"
    )
    docs = kustomize(overlay)
    backend = one(docs, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == one(docs, "Service", "scenefarm-api")["metadata"]["name"]
    assert not of_kind(kustomize(K8S / "overlays" / "cpu"), "Ingress")


def test_broken_overlay_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    gpu = copy / "overlays" / "gpu" / "gpu-worker-group.yaml"
    gpu.write_text(gpu.read_text().replace("path: /spec/workerGroupSpecs/-", "path: /spec/nope/-"))
    with pytest.raises(subprocess.CalledProcessError):
        kustomize(copy / "overlays" / "gpu")
