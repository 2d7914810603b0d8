"""The names the code relies on match the manifests: the API's command and port, its probes,
Ray's ports, every environment variable set (each one the code or a named tool reads), the
settings the code would build from the ConfigMap, the worker groups' Ray resources, the image
and the Ray version."""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from k8s.manifests import K8S, OVERLAYS, REPO, Doc, containers, one

PACKAGES = ("api", "cluster", "sandbox", "scenes", "renderers")
GROUP_RESOURCES = {"cpu": "cpu_render", "gpu": "gpu_render"}  # issue 17, item 3
RUNNER_RESOURCE = "scenefarm_runner"
# Set by the manifests, read by something other than our code: who reads it.
THIRD_PARTY_ENV = {
    "NVIDIA_DRIVER_CAPABILITIES": "the NVIDIA container toolkit (graphics: OpenGL/EGL)",
    "POD_IP": "Kubernetes' $(POD_IP) expansion, only to build RAY_ADDRESS",
    "RAY_AUTH_MODE": "Ray: token authentication, as KubeRay sets it on the Ray containers",
    "RAY_AUTH_TOKEN": "Ray: the cluster's token, from the Secret authOptions names",
}


def head(docs: list[Doc]) -> Doc:
    return one(docs, "RayCluster")["spec"]["headGroupSpec"]


def container(docs: list[Doc], name: str) -> Doc:
    (found,) = (c for c in head(docs)["template"]["spec"]["containers"] if c["name"] == name)
    return found


def port(c: Doc, name: str) -> int:
    (number,) = (p["containerPort"] for p in c.get("ports", []) if p["name"] == name)
    return int(number)


def code_env_names() -> set[str]:
    """Environment names our code reads: Settings' fields (SCENEFARM_ + name, or their
    alias), names spelled out in the packages, and what the runners are handed (AWS_*)."""
    from api.farm_config import _STORAGE_ENV
    from api.settings import Settings

    names = {str(f.validation_alias) for f in Settings.model_fields.values() if f.validation_alias}
    names |= {
        "SCENEFARM_" + n.upper() for n, f in Settings.model_fields.items() if not f.validation_alias
    }
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            names |= set(re.findall(r"\"(SCENEFARM_[A-Z0-9_]+)\"", path.read_text()))
    return names | set(_STORAGE_ENV)


def env_set(docs: list[Doc]) -> Iterator[tuple[str, str]]:
    """(where, name) of every variable the manifests put in a container's environment."""
    for where, c in containers(docs):
        for var in c.get("env", []):
            yield where, var["name"]
    yield from (("ConfigMap scenefarm-settings", k) for k in settings_data(docs))
    template = yaml.safe_load((K8S / "templates" / "secrets.template.yaml").read_text())
    yield from (("Secret template", k) for k in template["stringData"])


def settings_data(docs: list[Doc]) -> dict[str, str]:
    data: dict[str, str] = one(docs, "ConfigMap", "scenefarm-settings")["data"]
    return data


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_env_var_set_is_read(overlay: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[overlay]
    read = code_env_names()
    unread = [(w, n) for w, n in env_set(docs) if n not in read and n not in THIRD_PARTY_ENV]
    assert unread == []


def test_the_env_check_refuses_a_misspelt_setting() -> None:
    read = code_env_names()
    assert "SCENEFARM_S3_BUCKET" in read and "REDIS_URL" in read
    assert "SCENEFARM_S3_BUCKETS" not in read and "SCENEFARM_REDIS_URL" not in read


def test_settings_configmap_builds_the_code_settings(
    rendered: dict[str, list[Doc]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API would start on these values: Settings validates them, storage accepts them."""
    from api.settings import Settings

    for name in [n for n in os.environ if n.startswith("SCENEFARM_")]:
        monkeypatch.delenv(name)
    for name, value in settings_data(rendered["cpu"]).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.storage == "s3" and settings.sandbox == "bwrap"
    assert settings.storage_config().backend == "s3"
    assert str(settings.data_dir) == data_mount(rendered["cpu"])
    monkeypatch.setenv("SCENEFARM_REDIS_TIMEOUT_S", "0")  # what a bad value does: refused
    with pytest.raises(ValueError, match="redis_timeout_s"):
        Settings()


def data_mount(docs: list[Doc]) -> str:
    """Where the head's containers mount the data volume (SCENEFARM_DATA_DIR must be it)."""
    (path,) = {
        m["mountPath"]
        for name in ("api", "ray-head")
        for m in container(docs, name)["volumeMounts"]
        if m["name"] == "data"
    }
    return str(path)


def test_no_secret_in_configmaps_and_no_static_cloud_keys(rendered: dict[str, list[Doc]]) -> None:
    for docs in rendered.values():
        text = yaml.safe_dump_all(docs)
        assert "AWS_ACCESS_KEY_ID" not in text and "AWS_SECRET_ACCESS_KEY" not in text
        for key in settings_data(docs):
            assert not re.search(r"KEY|SECRET|TOKEN|PASSWORD", key), key
        api = container(docs, "api")
        assert {"secretRef": {"name": "scenefarm-secrets", "optional": True}} in api["envFrom"]
        secret_readers = [w for w, c in containers(docs) if "secretRef" in str(c.get("envFrom"))]
        assert len(secret_readers) == 1, secret_readers  # the API alone holds the key


def test_api_command_port_and_probes_match_the_cli_and_routes(
    rendered: dict[str, list[Doc]],
) -> None:
    from api.cli import build_parser
    from api.routes.health import router

    docs = rendered["gpu"]
    api = container(docs, "api")
    assert api["command"] == ["scenefarm"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert "scenefarm" in scripts
    args = build_parser().parse_args(api["args"])
    assert args.command == "serve" and args.host == "0.0.0.0"
    assert args.port == port(api, "http")
    routes = {r.path for r in router.routes}  # type: ignore[attr-defined]
    probes = [api[p]["httpGet"] for p in ("startupProbe", "readinessProbe", "livenessProbe")]
    assert {p["path"] for p in probes} <= routes and {p["port"] for p in probes} == {"http"}
    service = one(docs, "Service", "scenefarm-api")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"] == {
        "ray.io/cluster": "scenefarm",
        "ray.io/node-type": "head",
    }
    monitor = one(docs, "ServiceMonitor")["spec"]
    assert monitor["endpoints"][0]["path"] in routes
    assert monitor["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()


def test_api_and_head_share_rays_session_dir(rendered: dict[str, list[Doc]]) -> None:
    """The API is a driver on the head's node: it needs the raylet's sockets in /tmp/ray."""
    docs = rendered["cpu"]
    mounts = [
        {m["mountPath"]: m["name"] for m in container(docs, name)["volumeMounts"]}
        for name in ("ray-head", "api")
    ]
    assert mounts[0]["/tmp/ray"] == mounts[1]["/tmp/ray"] == "ray-logs"
    volumes = {v["name"]: v for v in head(docs)["template"]["spec"]["volumes"]}
    assert "emptyDir" in volumes["ray-logs"]


def test_ray_ports_match_ray_and_the_code(rendered: dict[str, list[Doc]]) -> None:
    from cluster.farm.ray_head import DASHBOARD_PORT

    docs = rendered["gpu"]
    ray = container(docs, "ray-head")
    assert port(ray, "dashboard") == DASHBOARD_PORT == 8265
    assert head(docs)["rayStartParams"]["dashboard-host"] == "0.0.0.0"
    api_env = {e["name"]: e.get("value") for e in container(docs, "api")["env"]}
    assert api_env["RAY_ADDRESS"] == f"$(POD_IP):{port(ray, 'gcs-server')}"
    assert port(ray, "gcs-server") == 6379 and port(ray, "client") == 10001
    groups = [head(docs), *one(docs, "RayCluster")["spec"]["workerGroupSpecs"]]
    monitor = one(docs, "PodMonitor")["spec"]["podMetricsEndpoints"][0]["port"]
    for group in groups:
        c = group["template"]["spec"]["containers"][0]
        assert port(c, monitor) == int(group["rayStartParams"]["metrics-export-port"])


def test_ray_probes_ask_ray_endpoints_that_exist(rendered: dict[str, list[Doc]]) -> None:
    """KubeRay's default probes shell out to wget (not in the image): ours use Ray's own
    health routes, which must exist in the Ray we ship, on the ports Ray serves them."""
    spec = importlib.util.find_spec("ray")
    assert spec is not None and spec.origin is not None
    ray_dir = Path(spec.origin).parent
    dashboard = "\n".join(p.read_text() for p in (ray_dir / "dashboard").rglob("*.py"))
    constants = (ray_dir / "_private" / "ray_constants.py").read_text()
    agent = int(re.findall(r"DEFAULT_DASHBOARD_AGENT_LISTEN_PORT = (\d+)", constants)[0])
    cluster = one(rendered["gpu"], "RayCluster")["spec"]
    groups = [cluster["headGroupSpec"], *cluster["workerGroupSpecs"]]
    for group in groups:
        c = group["template"]["spec"]["containers"][0]
        for probe in ("readinessProbe", "livenessProbe"):
            get = c[probe]["httpGet"]
            assert f'"{get["path"]}"' in dashboard
            expected = 8265 if "gcs" in get["path"] else agent
            assert port(c, get["port"]) == expected


def ray_resources(group: Doc) -> dict[str, float]:
    raw = group["rayStartParams"].get("resources", "'{}'")
    parsed: dict[str, float] = yaml.safe_load(raw.strip("'").strip('"').replace('\\"', '"'))
    return parsed


def test_worker_groups_carry_their_ray_resources(rendered: dict[str, list[Doc]]) -> None:
    cluster = one(rendered["gpu"], "RayCluster")["spec"]
    assert cluster["enableInTreeAutoscaling"] is True
    assert cluster["headGroupSpec"]["rayStartParams"]["num-cpus"] == "0"
    assert set(ray_resources(cluster["headGroupSpec"])) == {RUNNER_RESOURCE}
    for group in cluster["workerGroupSpecs"]:
        name = group["groupName"]
        assert set(ray_resources(group)) == {GROUP_RESOURCES[name]}
        assert group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]
        c = group["template"]["spec"]["containers"][0]
        if name == "gpu":
            gpus = c["resources"]["limits"]["nvidia.com/gpu"]
            assert (
                gpus
                == group["rayStartParams"]["num-gpus"]
                == str(ray_resources(group)["gpu_render"])
            )
            env = {e["name"]: e["value"] for e in c["env"]}
            assert "graphics" in env["NVIDIA_DRIVER_CAPABILITIES"].split(",")
        else:
            assert float(c["resources"]["limits"]["cpu"]) == ray_resources(group)["cpu_render"]


def test_resource_parsing_sees_a_wrong_name() -> None:
    group = {"rayStartParams": {"resources": '"{\\"cpu_rendr\\": 8}"'}}
    assert set(ray_resources(group)) == {"cpu_rendr"} != {GROUP_RESOURCES["cpu"]}


def test_the_code_uses_the_same_resource_names() -> None:
    """The farm routes to worker groups and runners by these resources: the code names them."""
    source = "\n".join(p.read_text() for p in (REPO / "cluster").rglob("*.py"))
    named = [n for n in (*GROUP_RESOURCES.values(), RUNNER_RESOURCE) if f'"{n}"' in source]
    assert sorted(named) == sorted((*GROUP_RESOURCES.values(), RUNNER_RESOURCE))


def test_images_are_the_repo_image_and_ray_version_the_locked_one(
    rendered: dict[str, list[Doc]],
) -> None:
    from sandbox.docker import DEFAULT_IMAGE

    ours = DEFAULT_IMAGE.rsplit(":", 1)[0]
    for docs in rendered.values():
        images = {c["image"].rsplit(":", 1)[0] for w, c in containers(docs) if "redis" not in w}
        assert images == {ours}
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    (ray,) = (p["version"] for p in lock["package"] if p["name"] == "ray")
    for docs in rendered.values():
        assert one(docs, "RayCluster")["spec"]["rayVersion"] == ray


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_ray_nodes_and_the_api_share_one_token(
    overlay: str, rendered: dict[str, list[Doc]]
) -> None:
    """Token authentication between Ray's nodes (issue 21, item 6): the cluster asks KubeRay
    for it with a Secret of ours, and the api container, a Ray driver, joins with the same."""
    docs = rendered[overlay]
    auth = one(docs, "RayCluster")["spec"]["authOptions"]
    assert auth["mode"] == "token"
    env = {e["name"]: e for e in container(docs, "api")["env"]}
    assert env["RAY_AUTH_MODE"]["value"] == "token"
    ref = env["RAY_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": auth["secretName"], "key": "auth_token"}
    template = yaml.safe_load((K8S / "templates" / "ray-token.template.yaml").read_text())
    assert template["metadata"]["name"] == auth["secretName"]
    assert template["stringData"] == {"auth_token": ""}  # a shape, never a value
