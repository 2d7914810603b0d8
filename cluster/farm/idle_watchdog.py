"""Stops the local cluster once idle: `python -m cluster.farm.idle_watchdog DATA_DIR IDLE_S`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cluster.farm.ray_head import running_address, try_stop_if_idle

POLL_S = 10.0


def main() -> None:
    data_dir, idle_s = Path(sys.argv[1]), float(sys.argv[2])
    while running_address(data_dir) is not None:
        if try_stop_if_idle(data_dir, idle_s):
            return
        time.sleep(min(POLL_S, max(1.0, idle_s / 4)))


if __name__ == "__main__":
    main()
