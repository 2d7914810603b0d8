"""Core kinds pass kubernetes-validate --strict; ray.io kinds pass the KubeRay v1 CRD's schema
with unknown fields refused. Each validator is shown refusing a broken copy."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from k8s import manifests
from k8s.manifests import (
    K8S,
    OVERLAYS,
    Doc,
    core_errors,
    crd_errors,
    is_core,
    load_crd_schema,
    one,
)

TEMPLATE = K8S / "templates" / "secrets.template.yaml"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_kinds_pass_strict_schemas(overlay: str, rendered: dict[str, list[Doc]]) -> None:
    docs = [d for d in rendered[overlay] if is_core(d)]
    assert len(docs) >= 10
    assert [e for d in docs for e in core_errors(d)] == []


def test_secret_template_passes_strict_schema_and_holds_no_value() -> None:
    doc = yaml.safe_load(TEMPLATE.read_text())
    assert core_errors(doc) == []
    assert doc["stringData"] == {"ANTHROPIC_API_KEY": ""}
    token = yaml.safe_load((K8S / "templates" / "ray-token.template.yaml").read_text())
    assert core_errors(token) == []


def test_strict_validation_refuses_unknown_and_mistyped_fields(
    rendered: dict[str, list[Doc]],
) -> None:
    redis = copy.deepcopy(one(rendered["cpu"], "StatefulSet", "scenefarm-redis"))
    redis["spec"]["template"]["spec"]["containers"][0]["securityContxt"] = {}  # typo
    assert core_errors(redis)
    policy = copy.deepcopy(one(rendered["cpu"], "NetworkPolicy", "scenefarm-worker"))
    policy["spec"]["egress"][0]["ports"] = [{"port": [6379], "protocol": "TCP"}]
    assert core_errors(policy)


def test_kubernetes_validate_cli_strict_offline(
    tmp_path: Path, rendered: dict[str, list[Doc]]
) -> None:
    """The command CI docs name: `kubernetes-validate --strict` on a rendered overlay."""
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.safe_dump_all([d for d in rendered["gpu"] if is_core(d)]))
    service = copy.deepcopy(one(rendered["gpu"], "Service", "scenefarm-api"))
    service["spec"]["prots"] = service["spec"].pop("ports")
    bad.write_text(yaml.safe_dump(service))
    cli = [str(Path(sys.prefix) / "bin" / "kubernetes-validate"), "--strict", "--quiet"]
    cli += ["-k", manifests.KUBERNETES_VERSION]
    ok = subprocess.run([*cli, str(good)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    refused = subprocess.run([*cli, str(bad)], capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "prots" in refused.stdout + refused.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_raycluster_passes_the_kuberay_crd(
    overlay: str, rendered: dict[str, list[Doc]], crd: jsonschema.protocols.Validator
) -> None:
    ray = [d for d in rendered[overlay] if d["apiVersion"] == "ray.io/v1"]
    assert [d["kind"] for d in ray] == ["RayCluster"]
    assert crd_errors(crd, ray[0]) == []


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        (("spec", "headGroupSpec"), "rayStartParam", {"num-cpus": "0"}),  # a typo: pruned
        (("spec", "workerGroupSpecs", 0), "minReplica", 1),
        (("spec", "workerGroupSpecs", 0, "template", "spec"), "hostUser", False),
        (("spec", "workerGroupSpecs", 0), "maxReplicas", "20"),  # a string, not an integer
        (("spec", "autoscalerOptions"), "upscalingMode", "Eager"),  # not in the enum
        (("metadata",), "labelz", {}),
    ],
)
def test_crd_validation_refuses_broken_copies(
    rendered: dict[str, list[Doc]],
    crd: jsonschema.protocols.Validator,
    path: tuple[str | int, ...],
    field: str,
    value: object,
) -> None:
    broken = copy.deepcopy(one(rendered["gpu"], "RayCluster"))
    node = broken
    for key in path:
        node = node[key]
    node[field] = value
    errors = crd_errors(crd, broken)
    assert errors and any(field in e for e in errors), errors


def test_missing_crd_fails_in_ci_and_skips_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(manifests, "CRD_PATH", tmp_path / "absent.yaml")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="KubeRay CRD not found"):
        load_crd_schema()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="KubeRay CRD not found"):
        load_crd_schema()
