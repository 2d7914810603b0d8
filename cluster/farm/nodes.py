"""The cluster's nodes as the farm sees them: which worker groups each carries, and how many
render workers of each group it holds.

A worker group is a custom Ray resource a node is started with (`cpu_render`, `gpu_render`):
`ray start --resources='{"cpu_render": 4}'`. Different rasterisers are not frame-identical,
so a scene's chunks all render in one group (its device class), and the chunk cache keys
name the group. A node started without any group resource (the local head `scenefarm`
starts, a plain `ray start`) lends its CPUs to the default group.

Ray's node failure detection is tuned down from its defaults (about 15 s plus a 5 s initial
delay) so that a lost node's chunks run again within seconds: pass `FAILURE_DETECTION` to
the head as its system config (`ray.init(_system_config=...)`, cluster_utils'
`head_node_args`), or as `RAY_<name>` variables in the environment of `ray start --head`
(`failure_detection_env()`); KubeRay: the head's container env.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

DEFAULT_GROUP = "cpu_render"
GPU_GROUP = "gpu_render"
# A group is a resource named like a word ending in _render: nothing else a node carries
# (CPU, memory, node:<ip>, accelerator types) is mistaken for one.
_GROUP = re.compile(r"^[a-z][a-z0-9_]*_render$")

# The GCS pings each raylet every period; a node is dead after `failure_threshold` missed
# answers, each waited on for `timeout`: about 1 s + 3 x 1 s here, against Ray's 3 s x 5.
FAILURE_DETECTION: dict[str, int] = {
    "health_check_initial_delay_ms": 1000,
    "health_check_period_ms": 1000,
    "health_check_timeout_ms": 1000,
    "health_check_failure_threshold": 3,
}


def failure_detection_env() -> dict[str, str]:
    """The same settings as the environment `ray start --head` reads them from."""
    return {f"RAY_{name}": str(value) for name, value in FAILURE_DETECTION.items()}


class UnknownGroup(ValueError):
    """A scene asked for a worker group whose name cannot be one."""


def check_group(name: str) -> str:
    if not _GROUP.match(name):
        raise UnknownGroup(f"worker group {name!r} is not a group name (like cpu_render)")
    return name


def is_group(resource: str) -> bool:
    return bool(_GROUP.match(resource))


@dataclass(frozen=True)
class NodeInfo:
    """An alive node: its Ray id and its total resources."""

    node_id: str
    resources: dict[str, float] = field(default_factory=dict)

    def groups(self) -> dict[str, int]:
        """Worker slots per group: one per unit of each group resource; a node without any
        lends one per whole CPU to the default group."""
        found = {r: math.floor(n) for r, n in self.resources.items() if is_group(r)}
        if found:
            return {g: n for g, n in found.items() if n > 0}
        cpus = math.floor(self.resources.get("CPU", 0.0))
        return {DEFAULT_GROUP: cpus} if cpus > 0 else {}


@dataclass(frozen=True)
class Placement:
    """Where one worker actor lives and what it holds there."""

    node_id: str
    group: str
    index: int  # its number among the node's workers of that group
    num_cpus: float
    num_gpus: float = 0.0
    resources: dict[str, float] = field(default_factory=dict)  # the group's share


def placements(nodes: list[NodeInfo], workers: int | None = None) -> list[Placement]:
    """One worker per slot of every node; `workers` (when given) rescales the slots so that
    there are that many in all, in proportion to each node's slots (at least one a node)."""
    slots = [(node, group, n) for node in nodes for group, n in sorted(node.groups().items())]
    counts = _rescale([n for _, _, n in slots], workers)
    per_node: dict[str, int] = {}
    for (node, _, _), count in zip(slots, counts, strict=True):
        per_node[node.node_id] = per_node.get(node.node_id, 0) + count
    made = []
    for (node, group, _), count in zip(slots, counts, strict=True):
        made += [_place(node, group, i, count, per_node[node.node_id]) for i in range(count)]
    return made


def _place(node: NodeInfo, group: str, index: int, count: int, on_node: int) -> Placement:
    # Each worker holds an equal share of its node's CPUs (at most one: a render is one
    # process) and of its group's resource, so the node's workers always fit on it.
    cpus = min(1.0, node.resources.get("CPU", 0.0) / on_node)
    gpus = node.resources.get("GPU", 0.0) / count if group == GPU_GROUP else 0.0
    share = {group: _floor(node.resources[group] / count)} if group in node.resources else {}
    return Placement(node.node_id, group, index, _floor(cpus), _floor(gpus), share)


def _floor(amount: float) -> float:
    """Down to Ray's resource granularity (1e-4): shares rounded up could overfill a node."""
    return math.floor(amount * 10_000) / 10_000


def _rescale(counts: list[int], total: int | None) -> list[int]:
    """Counts scaled to sum to `total` (largest remainders), none below one."""
    if total is None or not counts:
        return counts
    whole = sum(counts)
    share = [max(1.0, total * n / whole) for n in counts]
    scaled = [math.floor(s) for s in share]
    order = sorted(range(len(counts)), key=lambda i: scaled[i] - share[i])
    for i in order[: max(0, total - sum(scaled))]:
        scaled[i] += 1
    return scaled
