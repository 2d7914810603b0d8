"""The worker pods' sandbox design and the cluster's boundaries, as written in the manifests:
user namespaces, capabilities, the shipped seccomp profile and its installer, tainted pools,
no API tokens, NetworkPolicies, and a dashboard that only plots metrics that exist."""

from __future__ import annotations

import copy
import json
import re

import pytest

from k8s.manifests import K8S, OVERLAYS, REPO, Doc, containers, of_kind, one, pod_specs

PROFILE = K8S / "base" / "seccomp" / "scenefarm-worker.json"
KUBELET_SECCOMP = "/var/lib/kubelet/seccomp"
WORKER_CAPS = {"SYS_ADMIN", "NET_ADMIN", "SETUID", "SETGID", "CHOWN", "DAC_OVERRIDE"}
# What bubblewrap and setpriv call to build a sandbox (sandbox/bwrap.py): never denied.
BWRAP_SYSCALLS = (
    "clone",
    "unshare",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "sethostname",
    "prctl",
    "capset",
    "setresuid",
    "setresgid",
    "setgroups",
    "execve",
    "socket",
    "sendmsg",
)
# The kernel surface a worker pod never needs: denied to every process in it.
DENIED = (
    "open_by_handle_at",
    "bpf",
    "io_uring_setup",
    "kexec_load",
    "init_module",
    "finit_module",
    "keyctl",
    "add_key",
    "perf_event_open",
    "ptrace",
    "setns",
    "userfaultfd",
    "move_mount",
)
CLONE_NEWUSER = 0x10000000
# Metrics the dashboard plots that the code does not export yet (issue 17 item 4 and beyond).
PROPOSED_METRICS = {"scenefarm_lesson_duration_seconds", "scenefarm_chunk_cache_lookups_total"}


def worker_groups(docs: list[Doc]) -> list[Doc]:
    groups: list[Doc] = one(docs, "RayCluster")["spec"]["workerGroupSpecs"]
    return groups


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_worker_pods_are_confined(overlay: str, rendered: dict[str, list[Doc]]) -> None:
    docs = rendered[overlay]
    for group in worker_groups(docs):
        pod = group["template"]["spec"]
        (c,) = pod["containers"]
        sc = c["securityContext"]
        if pod.get("runtimeClassName") != "gvisor":
            assert pod["hostUsers"] is False and sc["procMount"] == "Unmasked"
        assert pod["automountServiceAccountToken"] is False
        account = one(docs, "ServiceAccount", pod["serviceAccountName"])
        assert account["automountServiceAccountToken"] is False
        assert sc["capabilities"]["drop"] == ["ALL"]
        assert set(sc["capabilities"]["add"]) == WORKER_CAPS
        assert sc["readOnlyRootFilesystem"] is True and "privileged" not in sc
        assert pod["securityContext"]["seccompProfile"] == {
            "type": "Localhost",
            "localhostProfile": "scenefarm/worker.json",
        }
        pool = pod["nodeSelector"]["scenefarm.dev/pool"]
        assert pool == f"{group['groupName']}-render"
        taint = {
            "key": "scenefarm.dev/render",
            "operator": "Equal",
            "value": group["groupName"],
            "effect": "NoSchedule",
        }
        assert taint in pod["tolerations"]


def test_no_pod_gets_an_api_token(rendered: dict[str, list[Doc]]) -> None:
    """scenefarm never calls the Kubernetes API: no pod and no service account mounts a token,
    except to KubeRay's autoscaler, which alone mounts the head's projected token."""
    docs = rendered["gpu"]
    specs = [(d["metadata"]["name"], w, p) for d in docs for w, p in pod_specs(d)]
    assert len(specs) == 5  # head, cpu and gpu workers, redis, seccomp installer
    assert [(n, w) for n, w, p in specs if p.get("automountServiceAccountToken") is not False] == []
    accounts = of_kind(docs, "ServiceAccount")
    assert [a for a in accounts if a["automountServiceAccountToken"] is not False] == []
    cluster = one(docs, "RayCluster")["spec"]
    (token,) = cluster["autoscalerOptions"]["volumeMounts"]
    assert token["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
    for where, c in containers(docs):
        assert token["name"] not in {m["name"] for m in c.get("volumeMounts", [])}, where
    head = cluster["headGroupSpec"]["template"]["spec"]
    (volume,) = (v for v in head["volumes"] if v["name"] == token["name"])
    assert any("serviceAccountToken" in source for source in volume["projected"]["sources"])


def test_only_workers_get_capabilities(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["gpu"]
    workers = {id(g["template"]["spec"]["containers"][0]) for g in worker_groups(docs)}
    for where, c in containers(docs):
        if id(c) in workers:
            continue
        sc = c["securityContext"]
        assert sc["capabilities"] == {"drop": ["ALL"]}, where
        assert sc["allowPrivilegeEscalation"] is False, where


def test_seccomp_installer_writes_the_profile_the_pods_name(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["cpu"]
    shipped = one(docs, "ConfigMap", "scenefarm-seccomp")["data"]["worker.json"]
    assert json.loads(shipped) == json.loads(PROFILE.read_text())
    installer = one(docs, "DaemonSet", "scenefarm-seccomp-installer")["spec"]["template"]["spec"]
    (host,) = (v for v in installer["volumes"] if "hostPath" in v)
    assert host["hostPath"]["path"] == KUBELET_SECCOMP
    (mount,) = (m for m in installer["containers"][0]["volumeMounts"] if m["name"] == host["name"])
    script = installer["containers"][0]["args"][0]
    final = re.findall(r"mv \S+ (\S+)", script)
    assert final == [f"{mount['mountPath']}/scenefarm/worker.json"]
    pools = installer["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    values = pools["nodeSelectorTerms"][0]["matchExpressions"][0]["values"]
    assert {
        g["template"]["spec"]["nodeSelector"]["scenefarm.dev/pool"]
        for g in worker_groups(rendered["gpu"])
    } <= set(values)


def unconditionally_denied(profile: Doc) -> set[str]:
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    return {
        n
        for rule in profile["syscalls"]
        if rule["action"] != "SCMP_ACT_ALLOW" and not rule.get("args")
        for n in rule["names"]
    }


def test_seccomp_profile_lets_bwrap_work_and_denies_the_rest() -> None:
    profile = json.loads(PROFILE.read_text())
    denied = unconditionally_denied(profile)
    assert not denied & set(BWRAP_SYSCALLS)
    assert set(DENIED) <= denied
    for name in ("clone", "unshare"):
        (rule,) = (r for r in profile["syscalls"] if r["names"] == [name])
        assert rule["action"] == "SCMP_ACT_ERRNO"
        assert rule["args"] == [
            {
                "index": 0,
                "value": CLONE_NEWUSER,
                "valueTwo": CLONE_NEWUSER,
                "op": "SCMP_CMP_MASKED_EQ",
            }
        ]
    broken = copy.deepcopy(profile)
    broken["syscalls"][0]["names"].append("mount")
    assert "mount" in unconditionally_denied(broken)


def egress_leaks(policy: Doc) -> list[str]:
    """Egress rules that reach beyond named pods, one namespace's pods or a narrow ipBlock."""
    leaks = []
    for i, rule in enumerate(policy["spec"].get("egress", [])):
        peers = rule.get("to")
        if not peers:
            leaks.append(f"rule {i}: any destination")
        for peer in peers or []:
            block = peer.get("ipBlock", {}).get("cidr", "")
            if block and int(block.rsplit("/", 1)[1]) < 8:
                leaks.append(f"rule {i}: {block}")
            if "namespaceSelector" in peer and "podSelector" not in peer:
                leaks.append(f"rule {i}: a whole namespace")
            if (
                not block
                and not rule.get("ports")
                and peer.get("podSelector", {}).get("matchLabels", {}).get("ray.io/cluster")
                != "scenefarm"
            ):
                leaks.append(f"rule {i}: every port of {peer}")
    return leaks


def test_worker_egress_is_the_cluster_redis_s3_and_dns(rendered: dict[str, list[Doc]]) -> None:
    docs = rendered["cpu"]
    policy = one(docs, "NetworkPolicy", "scenefarm-worker")
    assert policy["spec"]["podSelector"]["matchLabels"] == {
        "ray.io/cluster": "scenefarm",
        "ray.io/node-type": "worker",
    }
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert egress_leaks(policy) == []
    ports = sorted(
        (p["port"], p["protocol"]) for r in policy["spec"]["egress"] for p in r.get("ports", [])
    )
    assert ports == [(53, "TCP"), (53, "UDP"), (443, "TCP"), (6379, "TCP")]
    redis = one(docs, "StatefulSet", "scenefarm-redis")["spec"]["template"]["metadata"]["labels"]
    (to_redis,) = (
        r for r in policy["spec"]["egress"] if r.get("ports") == [{"port": 6379, "protocol": "TCP"}]
    )
    assert to_redis["to"][0]["podSelector"]["matchLabels"].items() <= redis.items()
    opened = copy.deepcopy(policy)
    opened["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})
    opened["spec"]["egress"].append({"ports": [{"port": 443}]})
    assert len(egress_leaks(opened)) == 2


def exported_metrics() -> set[str]:
    """Series names api/metrics.py exports, as Prometheus exposes them."""
    source = (REPO / "api" / "metrics.py").read_text()
    names = set()
    for kind, name in re.findall(r"\b(\w+)\(\s*\"(scenefarm_\w+)\"", source):
        if kind.startswith("Counter"):
            names.add(f"{name}_total")
        elif kind.startswith("Histogram"):
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
        else:
            names.add(name)
    return names


def dashboard_metrics(dashboard: Doc) -> set[str]:
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return {m for e in exprs for m in re.findall(r"\b(scenefarm_\w+|ray_\w+)", e)}


def test_dashboard_plots_exported_metrics_or_named_proposals() -> None:
    exported = exported_metrics()
    assert {
        "scenefarm_queue_depth",
        "scenefarm_sandbox_violations_total",
        "scenefarm_chunk_render_seconds_count",
    } <= exported
    dashboard = json.loads((K8S / "base" / "grafana" / "scenefarm.json").read_text())
    plotted = dashboard_metrics(dashboard)
    proposals = {m.removesuffix("_bucket") for m in plotted} & PROPOSED_METRICS
    assert proposals == PROPOSED_METRICS  # each proposal is named in the README's list
    unknown = {
        m
        for m in plotted
        if m not in exported
        and not m.startswith("ray_")
        and m.removesuffix("_bucket") not in PROPOSED_METRICS
    }
    assert unknown == set()
    titles = " ".join(p["title"].lower() for p in dashboard["panels"])
    for need in ("chunks", "queue depth", "latency", "violations", "cache hit", "gpu"):
        assert need in titles
    dashboard["panels"][0]["targets"][0]["expr"] = "rate(scenefarm_chunks_rendered_total[5m])"
    assert "scenefarm_chunks_rendered_total" not in exported | PROPOSED_METRICS
    assert "scenefarm_chunks_rendered_total" in dashboard_metrics(dashboard)


def test_readme_names_every_proposed_metric() -> None:
    readme = (K8S / "README.md").read_text()
    for name in (*PROPOSED_METRICS, "ray_scenefarm_group_queue_depth{group"):
        assert name in readme, name
