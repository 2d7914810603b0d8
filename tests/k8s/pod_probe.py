"""Runs inside a container configured as a worker pod (test_k8s_worker_pod.py): starts a bwrap
sandbox as the farm's workers do and prints, as one JSON line, what three jobs got."""

import ctypes
import json
import os
from pathlib import Path

from sandbox import SandboxJob, SandboxLimits, SandboxSpec, make_sandbox

LIMITS = SandboxLimits(wall_s=20, cpu_s=20, memory_mb=1024, processes=32, file_size_mb=8)
IDENTITY = "import os; result = [os.getuid(), open('/proc/self/status').read()]"
OUTPUT = "open('out.txt', 'w').write('chunk'); result = 'wrote'"
SLEEPER = "import time; time.sleep(30)"
CLONE_NEWUSER = 0x10000000


def new_user_namespace() -> str:
    """What the pod's seccomp profile answers to unshare(CLONE_NEWUSER) in the pod itself."""
    libc = ctypes.CDLL(None, use_errno=True)
    return "allowed" if libc.unshare(CLONE_NEWUSER) == 0 else os.strerror(ctypes.get_errno())


def job(box, code, dest, **limits):  # type: ignore[no-untyped-def]
    outputs = ("out.txt",) if "out.txt" in code else ()
    run = SandboxJob(
        "probe_guest:run", {"code": code}, outputs=outputs, limits=LIMITS.override(**limits)
    )
    r = box.run(run, dest)
    return {"status": r.status.value, "value": r.value, "outputs": sorted(r.outputs)}


def main() -> None:
    report = {"new_user_namespace": new_user_namespace()}
    try:
        box = make_sandbox("bwrap", SandboxSpec(guest_dirs=(Path("/guest"),), limits=LIMITS))
        dest = Path("/tmp/out")
        dest.mkdir()
        report["identity"] = job(box, IDENTITY, dest)
        report["output"] = job(box, OUTPUT, dest)
        report["timeout"] = job(box, SLEEPER, dest, wall_s=2, cpu_s=2)
        report["after"] = job(box, OUTPUT, dest)
        box.close()
    except Exception as e:  # the sandbox could not start: the point of the test is which
        report["error"] = f"{type(e).__name__}: {e}"
    print(json.dumps(report))


main()
