"""The runtime's own unit tests (node --test): golden values, timing tables, handles."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from renderers.web.runtime_build import RUNTIME_DIR


def test_node_unit_tests_pass(runtime: Path) -> None:
    node = shutil.which("node")
    assert node is not None, "node is not installed (Debian package nodejs)"
    done = subprocess.run(
        [node, "--test", "test/"],
        cwd=RUNTIME_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-4000:]
    passed = re.search(r"^# pass (\d+)$", output, re.M)
    failed = re.search(r"^# fail (\d+)$", output, re.M)
    assert passed and failed, output[-2000:]
    assert int(failed.group(1)) == 0
    # the golden values and the timing tables are among them
    assert int(passed.group(1)) >= 20
    for name in ("measureSpring of a damping-200", "random() golden values", "(table)"):
        assert name in output, f"missing test: {name}"
