"""Several Ray nodes on this machine, each a raylet with its own CPUs and worker group, for the
farm's multi-node tests and bench. A test helper: the farm itself reaches Ray only through
cluster/farm/ray_api.py.

The nodes take the machine's own address, as the local cluster `scenefarm` starts does: Ray
replaces a loopback bootstrap address with it (`resolve_ip_for_localhost`), so a driver
cannot join a cluster bound to 127.0.0.1 only. Packets to the machine's own address never
leave it. The head holds no CPUs (as in the k8s deployment, where it runs the API): every
render worker lives on a worker node.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from typing import Any

import psutil

from cluster.farm.nodes import DEFAULT_GROUP, FAILURE_DETECTION

# bwrap, its namespace init and the warm zygote; a chunk being rendered adds a forked job
IDLE_SANDBOX = 3


class RayNodes:
    """A head and worker nodes started, and killed, by the test that holds it."""

    def __init__(self) -> None:
        # Imported here, not when pytest collects this module: Ray reads some settings once,
        # when first imported (RAY_ENABLE_UV_RUN_RUNTIME_ENV, loopback handling, auth mode),
        # and a session's other tests join a local head that needs them set first.
        os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
        from ray.cluster_utils import Cluster

        self.cluster = Cluster(
            initialize_head=True,
            connect=False,
            head_node_args={
                "num_cpus": 0,
                "include_dashboard": False,
                "_system_config": dict(FAILURE_DETECTION),
            },
        )
        self.workers: list[Any] = []

    @property
    def address(self) -> str:
        return str(self.cluster.address)

    def add(self, group: str = DEFAULT_GROUP, cpus: int = 1, gpus: int = 0) -> Any:
        """A worker node of `cpus` CPUs (and `gpus` GPUs, as Ray counts them: declared, not
        probed) carrying one slot of `group` per CPU."""
        node = self.cluster.add_node(num_cpus=cpus, num_gpus=gpus, resources={group: float(cpus)})
        self.workers.append(node)
        return node

    @staticmethod
    def node_id(node: Any) -> str:
        return str(node.node_id)

    @staticmethod
    def processes(node: Any) -> list[psutil.Process]:
        """The node's raylet and everything it started: workers, their sandboxes, agents."""
        raylet = psutil.Process(node.all_processes["raylet"][0].process.pid)
        return [raylet, *raylet.children(recursive=True)]

    def busy(self, node: Any) -> bool:
        """A worker of this node has a sandboxed job running (it is inside a chunk)."""
        for proc in self.processes(node):
            with contextlib.suppress(psutil.Error):
                if not " ".join(proc.cmdline()).startswith("ray::"):
                    continue
                family = proc.children(recursive=True)
                if any(p.name() == "bwrap" for p in family) and len(family) > IDLE_SANDBOX:
                    return True
        return False

    def kill(self, node: Any) -> float:
        """SIGKILLs the node's raylet, workers and sandboxes at once, as a lost machine;
        returns when (time.monotonic) it was killed."""
        procs = self.processes(node)
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        psutil.wait_procs(procs, timeout=30)
        self.workers.remove(node)
        self.cluster.remove_node(node, allow_graceful=False)
        return killed

    def shutdown(self) -> None:
        self.cluster.shutdown()
