"""The sandbox inside a worker pod, tried for real: a container from the project's image is
given what the manifest gives the worker container (its user, its capabilities and no others,
the seccomp profile we ship, an unmasked /proc, a read-only root with /tmp writable) and runs
bubblewrap sandboxes as the farm's workers do. Docker stands in for the kubelet and runc here;
pod user namespaces (hostUsers: false) have no per-container Docker equivalent, so the
container's root is the host's root with those capabilities only, which is stricter than a pod."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from k8s.manifests import REPO, Doc, one

pytestmark = pytest.mark.integration
IMAGE = "scenefarm-sandbox:latest"
GUEST = REPO / "tests" / "integration" / "guest"
PROBE = Path(__file__).parent / "pod_probe.py"


@pytest.fixture(scope="module")
def docker() -> str:
    from sandbox.docker import docker_ready

    reason = docker_ready(IMAGE)
    if reason is not None and os.environ.get("SCENEFARM_REQUIRE_DOCKER") == "1":
        pytest.fail(f"SCENEFARM_REQUIRE_DOCKER=1 but {reason}")
    if reason is not None:
        pytest.skip(reason)
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed on this host")
    return "docker"


def worker(docs: list[Doc], group: str = "cpu") -> tuple[Doc, Doc]:
    """(pod spec, container) of a worker group."""
    groups = one(docs, "RayCluster")["spec"]["workerGroupSpecs"]
    (spec,) = (g["template"]["spec"] for g in groups if g["groupName"] == group)
    return spec, spec["containers"][0]


def docker_flags(docs: list[Doc], tmp: Path, caps: list[str]) -> list[str]:
    """The worker container's security settings as `docker run` flags."""
    pod, container = worker(docs)
    sc = container["securityContext"]
    profile = tmp / "seccomp.json"
    profile.write_text(one(docs, "ConfigMap", "scenefarm-seccomp")["data"]["worker.json"])
    flags = ["--user", f"{sc['runAsUser']}:{sc['runAsGroup']}", "--cap-drop", "ALL"]
    flags += [f"--cap-add={c}" for c in caps]
    assert pod["securityContext"]["seccompProfile"]["type"] == "Localhost"
    flags += ["--security-opt", f"seccomp={profile}"]
    if sc.get("procMount") == "Unmasked":
        flags += ["--security-opt", "systempaths=unconfined"]
    if sc.get("readOnlyRootFilesystem"):
        flags += ["--read-only"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/tmp" in mounts  # an emptyDir: writable, exec allowed, like this tmpfs
    return [*flags, "--tmpfs", "/tmp:rw,exec,size=1g"]


def run_pod(docs: list[Doc], tmp: Path, caps: list[str]) -> dict[str, Any]:
    flags = docker_flags(docs, tmp, caps)
    # An image built before the Dockerfile installed bubblewrap: lend the host's.
    has_bwrap = (
        subprocess.run(
            ["docker", "run", "--rm", "--entrypoint", "/bin/sh", IMAGE, "-c", "command -v bwrap"],
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    lend = [] if has_bwrap else ["-v", "/usr/bin/bwrap:/usr/bin/bwrap:ro"]
    argv = ["docker", "run", "--rm", "--network", "none", *flags, *lend]
    argv += ["-v", f"{GUEST}:/guest:ro", "-v", f"{PROBE}:/probe.py:ro"]
    argv += ["--entrypoint", "/opt/scenefarm/venv/bin/python", IMAGE, "/probe.py"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_worker_pod_runs_bwrap_sandboxes(
    docker: str, rendered: dict[str, list[Doc]], tmp_path: Path
) -> None:
    docs = rendered["cpu"]
    caps = worker(docs)[1]["securityContext"]["capabilities"]["add"]
    report = run_pod(docs, tmp_path, caps)
    assert "error" not in report, report["error"]
    uid, status = report["identity"]["value"]
    assert report["identity"]["status"] == "ok" and uid >= 1000
    assert "CapEff:\t0000000000000000" in status and "NoNewPrivs:\t1" in status
    assert report["output"] == {"status": "ok", "value": "wrote", "outputs": ["out.txt"]}
    assert report["timeout"]["status"] == "timeout"
    assert report["after"]["status"] == "ok"  # a recycled sandbox starts again
    # The shipped profile: no new user namespace, even for the pod's own root.
    assert report["new_user_namespace"] == "Operation not permitted"


def test_every_added_capability_is_needed(
    docker: str, rendered: dict[str, list[Doc]], tmp_path: Path
) -> None:
    docs = rendered["cpu"]
    caps = worker(docs)[1]["securityContext"]["capabilities"]["add"]
    assert run_pod(docs, tmp_path, caps)["output"]["status"] == "ok"  # else this proves nothing
    working = []
    for cap in caps:
        report = run_pod(docs, tmp_path, [c for c in caps if c != cap])
        if "error" not in report and report["output"]["status"] == "ok":
            working.append(cap)
    assert working == [], f"sandboxes still work without {working}: drop them from the pods"
