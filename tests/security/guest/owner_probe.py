"""Guest-side probes for tests/security (run inside the sandbox, standard library only)."""

from __future__ import annotations

import os
from typing import Any

CACHE = "/scratch/cache"


def plant(payload: dict[str, Any]) -> list[str]:
    """What a job of one owner leaves in the sandbox's cache for the next job."""
    with open(os.path.join(CACHE, "formula.svg"), "w") as f:
        f.write(str(payload["secret"]))
    return sorted(os.listdir(CACHE))


def look(payload: dict[str, Any]) -> dict[str, str]:
    """Everything in the sandbox's cache, as the next job finds it."""
    found = {}
    for name in sorted(os.listdir(CACHE)):
        path = os.path.join(CACHE, name)
        if os.path.isfile(path):
            with open(path) as f:
                found[name] = f.read()
    return found
