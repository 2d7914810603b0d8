"""The farm on a multi-node Ray cluster on this machine: chunks/s with 1, 2 and 3 one-core
nodes, and the time from a node's loss to its chunks running again.

On one machine several nodes cannot be faster than its cores (two here, shared): the figures
show what each node costs and adds, not a cluster's scaling. Never asserts a timing.

    .venv/bin/python bench/bench_multinode.py [--nodes 1 2 3] [--file F] [--scenes A B]

One local cluster (a head with no CPUs, worker nodes of one CPU each) grows node by node;
each rung warms the pool with an untimed render (it grows onto the new node), then times one
render of the lesson with every animation its own chunk and no cache. chunks/s is rendered
chunks over the probe and render phases (first task dispatched to last chunk back). The loss
rung renders a slow scene on those nodes, SIGKILLs the last node's raylet, workers and
sandboxes while it draws a chunk, and reads the farm's log: when the dispatcher saw the chunk
lost, and when it ran again elsewhere.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cluster.farm import ray_api  # noqa: E402
from tests.integration.multinode.farm_run import render  # noqa: E402
from tests.integration.multinode.ray_nodes import RayNodes  # noqa: E402

SCENES = ROOT / "tests" / "integration" / "scenes"


class Launches(logging.Handler):
    """The dispatcher's log as it happens: each task launched and each worker lost."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[float, str, str, str]] = []  # (when, message, task, node)

    def emit(self, record: logging.LogRecord) -> None:
        task = str(getattr(record, "task", ""))
        node = str(getattr(record, "node", ""))
        self.records.append((time.monotonic(), record.getMessage(), task, node))


def _rungs(nodes: RayNodes, counts: list[int], file: Path, scenes: list[str]) -> list[Any]:
    """One cluster, grown node by node: each rung warms the pool with an untimed render
    (the pool grows onto the new node), then times one."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-multinode-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        for count in counts:
            while len(nodes.workers) < count:
                nodes.add()
            render(nodes.address, data, Path(tmp) / f"warm-{count}", file, scenes)
            report = render(nodes.address, data, Path(tmp) / f"timed-{count}", file, scenes)
            phases = report.totals["phases"]
            rendered = report.totals["rendered_chunks"]
            busy = phases["probe_s"] + phases["render_s"]
            rows.append({"nodes": count, "chunks": rendered, "s": busy, "per_s": rendered / busy})
    return rows


def _loss(nodes: RayNodes, file: Path, scenes: list[str]) -> dict[str, float]:
    """Renders on the cluster's nodes and kills the last one while it draws a chunk."""
    log = Launches()
    logger = logging.getLogger("cluster.farm.pool")
    logger.addHandler(log)
    logger.setLevel(logging.DEBUG)
    victim = nodes.workers[-1]
    killed: list[float] = []

    def kill_once_busy() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not nodes.busy(victim):
            time.sleep(0.02)
        killed.append(nodes.kill(victim))

    try:
        with tempfile.TemporaryDirectory(prefix="bench-multinode-") as tmp:
            data = Path(tmp) / "data"
            data.mkdir()
            killer = threading.Thread(target=kill_once_busy)
            killer.start()
            render(nodes.address, data, Path(tmp) / "out", file, scenes)
            killer.join()
    finally:
        logger.removeHandler(log)
    return _loss_times(log.records, killed[0], RayNodes.node_id(victim))


def _loss_times(
    records: list[tuple[float, str, str, str]], killed: float, victim: str
) -> dict[str, float]:
    lost = next((r for r in records if r[0] >= killed and r[1] == "worker lost"), None)
    if lost is None:
        raise RuntimeError("the dispatcher never saw the node's worker lost")
    again = next(
        r for r in records if r[0] >= lost[0] and r[1] == "task launched" and r[2] == lost[2]
    )
    assert again[3] != victim
    return {"detected_s": lost[0] - killed, "running_again_s": again[0] - killed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--file", type=Path, default=SCENES / "identity.py")
    parser.add_argument(
        "--scenes", nargs="+", default=["TransformScene", "UpdaterScene", "LaggedScene"]
    )
    args = parser.parse_args()
    nodes = RayNodes()
    try:
        rows = _rungs(nodes, sorted(args.nodes), args.file, args.scenes)
        loss = _loss(nodes, SCENES / "slow.py", ["SlowA"])
    finally:
        ray_api.disconnect()
        nodes.shutdown()
    print("| one-core nodes | chunks | probe+render s | chunks/s | vs 1 node |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['nodes']} | {row['chunks']} | {row['s']:.2f} | "
            f"{row['per_s']:.2f} | {row['per_s'] / rows[0]['per_s']:.2f}x |"
        )
    print(
        f"\nnode lost (raylet, workers and sandboxes SIGKILLed) -> its chunk seen lost: "
        f"{loss['detected_s']:.2f} s; running again on another node: "
        f"{loss['running_again_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
