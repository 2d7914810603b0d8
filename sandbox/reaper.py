"""What a farm's killed workers leave behind, found and removed by that farm alone.

A worker killed with SIGKILL never runs its sandbox's close(): its container stays (exited or
running), its cgroup stays, and its state dir keeps its tmpfs mounts with the owner's files.
Everything carries the farm's id and the sandbox's uid, so this removes only what belongs to
the farm of `state_root` and to a uid no live sandbox holds (the lease is machine-wide).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sandbox import cgroups
from sandbox.docker import reap_containers
from sandbox.uids import uid_in_use
from sandbox.warm import default_state_root, farm_id, remove_state, state_in_use

log = logging.getLogger(__name__)


def reap_farm(state_root: Path | None = None, timeout_s: float = 30.0) -> int:
    """Removes this farm's leftovers (containers, cgroups, state dirs); returns how many."""
    root = state_root or default_state_root()
    removed = reap_containers(root, timeout_s=timeout_s)
    removed += _reap_cgroups(farm_id(root))
    removed += _reap_state_dirs(root)
    return removed


def _free(uid_text: str) -> bool:
    return uid_text.isdigit() and not uid_in_use(int(uid_text))


def _reap_cgroups(farm: str) -> int:
    prefix = f"sbx-{farm}-"
    stale = [n for n in cgroups.stale_names(prefix) if _free(n.removeprefix(prefix))]
    for name in stale:
        cgroups.remove_stale(name)
    return len(stale)


def _reap_state_dirs(root: Path) -> int:
    """State dirs are `sbx-<uid>-<random>` under the farm's own root."""
    stale = [d for d in root.glob("sbx-*-*") if not state_in_use(d)]
    for state in stale:
        remove_state(state)
    return len(stale)
