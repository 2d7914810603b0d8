"""What each attack in attacks/ must end as: the typed status the farm reports, the exception
the scene (or the host's own check) raised, and for scenes that report what they saw
(`REPORT {json}`), a check that what they saw is harmless.

Conventions of the scripts: one Scene each, whose construct does the attack. Where the attack
would have worked, the scene raises with the marker ESCAPED (the test fails on it anywhere);
scenes that can only observe raise `REPORT {json}`, checked here. Every case also passes the
global checks of test_attacks.py (no secret in anything that came back, the canary untouched,
nothing of the sandbox left on the host, the next benign chunk renders).
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Report = dict[str, Any]
Check = Callable[[Report, dict[str, Any]], list[str]]  # (report, host params) -> problems

OK, ERROR, TIMEOUT, MEMORY = "ok", "error", "timeout", "memory"
KILLED, FORBIDDEN, REJECTED = "killed", "forbidden", "output_rejected"
SECRETISH = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|^AWS_|^REDIS|^RAY_|^ANTHROPIC", re.I)
NO_SPACE = "No space left on device"


@dataclass(frozen=True)
class Expect:
    status: str
    kind: str = ""  # the exception type the farm names ("" for a timeout and the like)
    detail: str = ""  # a substring of the error message
    check: Check | None = None  # the scene reported what it saw: this judges it
    render: bool = False  # rendered as a chunk (output tricks), else probed
    runs: int = 1  # run this many times in a row in the same sandbox
    host_check: bool = False  # the sandbox job succeeds; the host's check of its video refuses


def reported(check: Check) -> Expect:
    return Expect(ERROR, "RuntimeError", "REPORT", check)


def per_backend(bwrap: Expect, docker: Expect) -> dict[str, Expect]:
    return {"bwrap": bwrap, "docker": docker}


# -- checks of what scenes reported ------------------------------------------------------------

ENV_ALLOWED = {
    "PATH", "HOME", "LANG", "LC_ALL", "PYTHONDONTWRITEBYTECODE", "PYTHONIOENCODING",
    "PYTHONHASHSEED", "MPLBACKEND", "XDG_CACHE_HOME", "TEXMFVAR", "shell_escape", "openin_any",
    "openout_any", "TEXMFOUTPUT", "TMPDIR", "HOSTNAME", "PWD",
}  # fmt: skip


def env_check(r: Report, _: dict[str, Any]) -> list[str]:
    env = r["env"]
    problems = [f"unexpected variable {k}" for k in env if k not in ENV_ALLOWED]
    problems += [f"secret-like variable {k}" for k in env if SECRETISH.search(k)]
    latex = (env.get("shell_escape"), env.get("openin_any"), env.get("openout_any"))
    return problems + ([] if latex == ("f", "p", "p") else [f"LaTeX not paranoid: {latex}"])


def environ_check(r: Report, _: dict[str, Any]) -> list[str]:
    names = [n for listing in r["environ_names"].values() for n in listing]
    return [f"{n} visible in some /proc/*/environ" for n in names if SECRETISH.search(n)]


def fds_check(r: Report, _: dict[str, Any]) -> list[str]:
    fine = re.compile(r"^(pipe:\[\d+\]|/dev/null)$")
    return [f"fd {fd} -> {target}" for fd, target in r["fds"].items() if not fine.match(target)]


def ipc_planted_check(r: Report, _: dict[str, Any]) -> list[str]:
    """The control: the first job really made every object (so the second job's look counts)."""
    planted = r["planted"]
    made = planted["shm"] >= 0 and planted["msg"] >= 0 and planted["sem"] >= 0
    return [] if made and planted["sent"] == 0 else [f"not all planted: {planted}"]


def poisoned_check(r: Report, _: dict[str, Any]) -> list[str]:
    return [] if len(r["poisoned"]) == 2 else [f"not poisoned: {r}"]


def filled_check(r: Report, _: dict[str, Any]) -> list[str]:
    """The control: the first job really ran the scratch space out of inodes."""
    return [] if r["enospc"] and r["made"] > 100 else [f"not filled: {r}"]


def counters_check(r: Report, params: dict[str, Any]) -> list[str]:
    """Still counters only: no host CPU times, load or pressure, and no /sys."""
    problems = [] if set(r["stat_cpu"]) <= {"0"} else [f"host CPU times: {r['stat_cpu']}"]
    problems += [] if r["loadavg"].startswith("0.00 0.00 0.00") else [f"load: {r['loadavg']}"]
    problems += [f"pressure {n}: {v[:60]}" for n, v in r["pressure"].items() if "avg" in v]
    return problems + ([f"/sys: {r['sys'][:5]}"] if r["sys"] else [])


def nothing_found(key: str) -> Check:
    return lambda r, _: [f"{key}: {r[key]}"] if r[key] else []


def redis_check(r: Report, params: dict[str, Any]) -> list[str]:
    tried = r["tried"]
    problems = [f"{where} {how}" for where, how in tried.items() if how.startswith("ANSWERED")]
    if len(tried) != len(params["redis_hosts"]):
        problems.append(f"tried {sorted(tried)}, not every address of {params['redis_hosts']}")
    return problems


def services_check(r: Report, params: dict[str, Any]) -> list[str]:
    problems = [f"reached {where}" for where in r["reached"]]
    return problems + ([] if r["tried"] >= len(params["ports"]) else ["did not try every port"])


def openin_check(r: Report, _: dict[str, Any]) -> list[str]:
    read = r["read"]
    problems = [] if read.get("control") == "macro:->CONTROL-OK" else [f"control unread: {read}"]
    return problems + [f"TeX read {n}: {read.get(n)}" for n in ("passwd", "canary", "dotdot")
                       if read.get(n) != "CLOSED"]  # fmt: skip


def write18_check(r: Report, _: dict[str, Any]) -> list[str]:
    problems = [f"shell escape created {p}" for p in r["created"]]
    return problems + ([] if r["log"] else ["\\write18 never reached TeX (no runsystem line)"])


def uid_check(r: Report, _: dict[str, Any]) -> list[str]:
    return [] if r["uid"] >= 1000 else [f"ran as uid {r['uid']}"]


def powers_check(r: Report, params: dict[str, Any]) -> list[str]:
    expected = {"CapEff": "0000000000000000", "CapBnd": "0000000000000000"}
    expected |= {"NoNewPrivs": "1", "Seccomp": "2"}
    problems = [f"{k}={r.get(k)}" for k, v in expected.items() if r.get(k) != v]
    return problems + uid_check(r, params)


def shadow_check(r: Report, params: dict[str, Any]) -> list[str]:
    return uid_check(r, params) + ([f"read /etc/shadow: {r['shadow'][:80]}"] if r["shadow"] else [])


def syscalls_check(r: Report, _: dict[str, Any]) -> list[str]:
    refused = (errno.EPERM, errno.EACCES, errno.ENOSYS)
    return [
        f"{n}: {ret}" for n, ret in r["syscalls"].items() if ret[0] != -1 or ret[1] not in refused
    ]


def pids_check(r: Report, _: dict[str, Any]) -> list[str]:
    return [] if len(r["visible"]) <= 5 else [f"{len(r['visible'])} pids visible: {r['visible']}"]


def planted_check(r: Report, _: dict[str, Any]) -> list[str]:
    return [] if r.get("planted") else ["nothing planted"]


def stdin_check(r: Report, _: dict[str, Any]) -> list[str]:
    return [] if r["stdin"] == "" else [f"stdin gave {r['stdin']!r}"]


def daemon_check(r: Report, _: dict[str, Any]) -> list[str]:
    return [] if r.get("daemon") == "started" else [f"daemon not started: {r}"]


# -- the table -----------------------------------------------------------------------------------

CASES: dict[str, Expect | dict[str, Expect]] = {
    # files and secrets
    "files_env_vars": reported(env_check),
    "files_proc_environ": reported(environ_check),
    "files_root_home": per_backend(
        Expect(ERROR, "FileNotFoundError"), Expect(FORBIDDEN, "PermissionError")
    ),
    "files_host_canary": per_backend(
        Expect(ERROR, "FileNotFoundError"), Expect(FORBIDDEN, "PermissionError")
    ),
    "files_etc_shadow": per_backend(
        Expect(ERROR, "FileNotFoundError"), Expect(FORBIDDEN, "PermissionError")
    ),
    "files_cloud_credentials": reported(nothing_found("found")),
    "files_docker_socket": Expect(ERROR, "FileNotFoundError", "no docker or containerd socket"),
    "files_write_system": Expect(FORBIDDEN, "OSError", "Read-only file system"),
    "files_write_venv": Expect(FORBIDDEN, "OSError", "Read-only file system"),
    "files_write_etc": Expect(FORBIDDEN, "PermissionError"),
    "files_write_scratch_root": Expect(FORBIDDEN, "PermissionError", "Permission denied"),
    "files_host_counters": reported(counters_check),
    "files_persist_between_jobs": Expect(ERROR, "RuntimeError", "REPORT", planted_check, runs=2),
    "files_proc_fds": reported(fds_check),
    # SysV and POSIX IPC (issue 21, item 3)
    "ipc_sysv_persist": Expect(ERROR, "RuntimeError", "REPORT", ipc_planted_check, runs=2),
    "ipc_shm_over_limit": Expect(MEMORY, "MemoryLimit", "SysV shared memory"),
    "ipc_posix_mqueue": Expect(FORBIDDEN, "PermissionError", "mq_open refused"),
    # the sandbox's cache, kept across its jobs (issue 21, item 2)
    "cache_readonly": Expect(ERROR, "RuntimeError", "REPORT", poisoned_check, runs=2),
    "cache_inode_fill": Expect(ERROR, "RuntimeError", "REPORT", filled_check, runs=2),
    # network
    "net_tcp_egress": Expect(FORBIDDEN, "OSError", "Network is unreachable"),
    "net_udp_egress": Expect(FORBIDDEN, "OSError", "Network is unreachable"),
    "net_dns": Expect(ERROR, "gaierror"),
    "net_metadata": Expect(FORBIDDEN, "URLError", "Network is unreachable"),
    "net_host_redis": reported(redis_check),
    "net_host_services": reported(services_check),
    "net_raw_socket": Expect(FORBIDDEN, "PermissionError"),
    "net_packet_socket": Expect(FORBIDDEN, "PermissionError"),
    "net_abstract_unix": Expect(ERROR, "ConnectionRefusedError"),
    # exhaustion
    "exhaust_fork_bomb": Expect(ERROR, "BlockingIOError", "Resource temporarily unavailable"),
    "exhaust_fork_bomb_persistent": Expect(TIMEOUT, "Timeout"),
    "exhaust_thread_bomb": Expect(ERROR, "RuntimeError", "can't start new thread"),
    "exhaust_memory_bomb": Expect(MEMORY, "MemoryError"),
    "exhaust_memory_gradual": Expect(MEMORY, "MemoryError"),
    "exhaust_memory_children": Expect(MEMORY, "MemoryError"),
    "exhaust_dev_shm": Expect(ERROR, "OSError", NO_SPACE),
    "exhaust_shm_inodes": Expect(ERROR, "OSError", NO_SPACE),
    "exhaust_tmp_fill": Expect(ERROR, "OSError", NO_SPACE),
    "exhaust_tmp_inodes": Expect(ERROR, "OSError", NO_SPACE),
    "exhaust_disk_fill": Expect(ERROR, "OSError", NO_SPACE),
    "exhaust_inode_fill": Expect(ERROR, "OSError", NO_SPACE),
    "exhaust_big_file": Expect(REJECTED, "OSError", "File too large"),
    "exhaust_sparse_file": Expect(REJECTED, "OSError", "File too large"),
    "exhaust_infinite_loop": Expect(TIMEOUT, "Timeout"),
    "exhaust_sleep_forever": Expect(TIMEOUT, "Timeout"),
    "exhaust_stdin_block": reported(stdin_check),
    "exhaust_ignore_sigterm": Expect(TIMEOUT, "Timeout"),
    "exhaust_stdout_flood": Expect(REJECTED, "OutputRejected", "output cap"),
    "exhaust_mixed_flood": Expect(REJECTED, "OutputRejected", "output cap"),
    "exhaust_daemon": reported(daemon_check),
    "exhaust_open_files": Expect(ERROR, "OSError", "Too many open files"),
    # process and kernel
    "proc_kill_parent": per_backend(  # under Docker the guest is pid 1: immune from inside
        Expect(KILLED, "Killed", "died"), Expect(ERROR, "RuntimeError", "survived SIGKILL")
    ),
    "proc_stop_parent": Expect(TIMEOUT, "Timeout"),
    "proc_kill_all": per_backend(
        Expect(KILLED, "Killed", "died"), Expect(ERROR, "ProcessLookupError")
    ),
    "proc_enumerate_pids": reported(pids_check),
    "proc_ptrace": Expect(FORBIDDEN, "PermissionError"),
    "proc_vm_readv": Expect(FORBIDDEN, "PermissionError"),
    "proc_sys_write": per_backend(
        Expect(FORBIDDEN, "PermissionError"), Expect(FORBIDDEN, "OSError", "Read-only file system")
    ),
    "proc_sysrq": Expect(ERROR, "FileNotFoundError"),
    "proc_setuid_binary": Expect(ERROR, "CalledProcessError"),
    "proc_setuid_syscall": Expect(FORBIDDEN, "PermissionError"),
    "proc_unshare_userns": Expect(FORBIDDEN, "PermissionError"),
    "proc_mount_cgroup": Expect(FORBIDDEN, "PermissionError"),
    "proc_io_uring": Expect(FORBIDDEN, "PermissionError"),
    "proc_kernel_syscalls": reported(syscalls_check),
    "proc_tiocsti": Expect(ERROR, "OSError", "No such device or address"),
    # output tricks (rendered: the host collects chunk.mp4)
    "output_symlink_host_file": Expect(REJECTED, "OutputRejected", "not a plain file", render=True),
    "output_symlink_traversal": Expect(REJECTED, "OutputRejected", "not a plain file", render=True),
    "output_fifo": Expect(REJECTED, "OutputRejected", "not a regular file", render=True),
    "output_hardlink": Expect(REJECTED, "OutputRejected", "hard links", render=True),
    "output_directory": Expect(REJECTED, "OutputRejected", "not a regular file", render=True),
    "output_oversized": Expect(REJECTED, "OSError", "File too large", render=True),
    "output_not_a_video": Expect(
        REJECTED, "ChunkRenderError", "not an MP4", render=True, host_check=True
    ),
    "output_forged_index": Expect(
        REJECTED, "ChunkRenderError", "stsz claims", render=True, host_check=True
    ),
    "output_forged_poster": Expect(
        REJECTED, "ChunkRenderError", "poster of 255x1", render=True, host_check=True
    ),
    "output_forged_result": Expect(REJECTED, "OutputRejected", "was not produced", render=True),
    "output_forged_deep_json": Expect(ERROR, "Error", "without a result"),
    "output_forged_verdict": Expect(FORBIDDEN, "PermissionError"),
    "output_config_paths": Expect(OK, render=True),
    "output_render_bomb": Expect(MEMORY, "MemoryError", render=True),
    # asset bombs
    "asset_svg_billion_laughs": Expect(ERROR, "ParseError", "amplification"),
    "asset_svg_xxe": Expect(ERROR, "ParseError", "undefined entity"),
    "asset_png_bomb": Expect(ERROR, "DecompressionBombError"),
    "asset_png_bomb_unchecked": Expect(MEMORY, "MemoryError"),
    "asset_zlib_bomb": Expect(MEMORY, "MemoryError"),
    # LaTeX
    "latex_input_passwd": Expect(ERROR, "ValueError", "latex error"),
    "latex_input_canary": Expect(ERROR, "ValueError", "latex error"),
    "latex_openin": reported(openin_check),
    "latex_openout": Expect(ERROR, "ValueError", "latex error"),
    "latex_write18": reported(write18_check),
    "latex_recursion": Expect(ERROR, "ValueError", "latex error"),
    "latex_infinite_loop": Expect(TIMEOUT, "Timeout"),
    # Python level
    "py_ctypes_segfault": Expect(KILLED, "Killed", "segmentation fault"),
    "py_subprocess": reported(powers_check),
    "py_os_system": reported(shadow_check),
    "py_introspection": reported(uid_check),
    "py_setrlimit": Expect(ERROR, "ValueError", "not allowed to raise maximum limit"),
    "py_chroot": Expect(FORBIDDEN, "PermissionError"),
    "py_exec_from_tmp": Expect(FORBIDDEN, "PermissionError"),
}
X86_64_ONLY = {"proc_kernel_syscalls"}  # it knows x86_64 syscall numbers only
# Contained only by what bwrap gets as root: a memory cgroup, tmpfs mounts capped in size and
# inodes (and noexec). As non-root these are weaker (rlimits per process only): skipped there.
BWRAP_ROOT_ONLY = {
    "exhaust_memory_children", "exhaust_disk_fill", "exhaust_inode_fill", "exhaust_tmp_inodes",
    "exhaust_shm_inodes", "py_exec_from_tmp", "cache_inode_fill",
}  # fmt: skip


def expectation(case: str, backend: str) -> Expect:
    entry = CASES[case]
    return entry[backend] if isinstance(entry, dict) else entry
