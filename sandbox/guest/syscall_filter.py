"""A seccomp filter for the guest and every job it forks: kernel interfaces rendering never uses
answer EPERM.

Runs inside the sandbox, standard library only. Docker's default profile covers most of this,
but not io_uring before Docker 25, and the bwrap backend (as root: no user namespace, so no
`--disable-userns`) had no filter at all: jobs could create user namespaces (and with them
mount, network and cgroup namespaces), use io_uring, keyrings and ptrace. The filter is
installed once in the guest, before any job code exists, and is inherited by every process
it forks; no_new_privs (set by setpriv / Docker) is what lets an unprivileged process install
it, and nothing can remove it.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
NAMESPACE_FLAGS = 0x7E020080
X32_BIT = 0x40000000
_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg0's low word on LE)

_X86_64 = {
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
    "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442, "keyctl": 250, "add_key": 248,
    "request_key": 249, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 246,
    "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "open_by_handle_at": 304, "name_to_handle_at": 303, "ptrace": 101,
    "process_vm_readv": 310, "process_vm_writev": 311, "swapon": 167, "swapoff": 168,
    "reboot": 169, "acct": 163, "quotactl": 179, "syslog": 103, "mq_open": 240, "clone": 56,
    "clone3": 435,
}  # fmt: skip
_AARCH64 = {
    "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "mount_setattr": 442, "keyctl": 219, "add_key": 217, "request_key": 218,
    "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "kexec_load": 104, "kexec_file_load": 294,
    "init_module": 105, "finit_module": 273, "delete_module": 106, "open_by_handle_at": 265,
    "name_to_handle_at": 264, "ptrace": 117, "process_vm_readv": 270,
    "process_vm_writev": 271, "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89,
    "quotactl": 60, "syslog": 116, "mq_open": 180, "clone": 220, "clone3": 435,
}  # fmt: skip
# Refused outright: namespaces and mounts, keyrings, BPF, perf, userfaultfd, io_uring, kernel
# modules and kexec, file handles ("shocker"), ptrace and cross-process memory, swap, reboot,
# POSIX message queues (they outlive jobs and cannot be listed to be removed: see zygote.py).
# (clone is refused only with namespace flags, clone3 answers ENOSYS: see program().)
_DENIED = tuple(name for name in _X86_64 if name not in ("clone", "clone3"))
# machine -> (AUDIT_ARCH_*, syscall numbers, whether x32 numbers must be refused)
ARCHES = {"x86_64": (0xC000003E, _X86_64, True), "aarch64": (0xC00000B7, _AARCH64, False)}

Insn = tuple[int, int, int, int]  # struct sock_filter: code, jt, jf, k


def _ret(value: int) -> Insn:
    return (_RET, 0, 0, value)


def _load(offset: int) -> Insn:
    return (_LD_ABS, 0, 0, offset)


def _deny_if(op: int, k: int, action: int) -> list[Insn]:
    """If `A op k`, return `action`; else go on with the next instruction."""
    return [(op, 0, 1, k), _ret(action)]


def program(audit_arch: int, numbers: dict[str, int], x32: bool) -> list[Insn]:
    eperm = RET_ERRNO | errno.EPERM
    # Another ABI (i386 via int 0x80 on x86_64) has other numbers: refuse it whole.
    prog = [_load(_ARCH), (_JEQ, 1, 0, audit_arch), _ret(eperm), _load(_NR)]
    if x32:
        prog += _deny_if(_JGE, X32_BIT, eperm)
    for name in _DENIED:
        prog += _deny_if(_JEQ, numbers[name], eperm)
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
    prog += _deny_if(_JEQ, numbers["clone3"], RET_ERRNO | errno.ENOSYS)
    prog += [(_JEQ, 0, 3, numbers["clone"]), _load(_ARG0)]
    prog += _deny_if(_JSET, NAMESPACE_FLAGS, eperm)
    return [*prog, _ret(RET_ALLOW)]


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def install() -> bool:
    """Installs the filter on this process (and so on all it forks); False on unknown arches."""
    arch = ARCHES.get(platform.machine())
    if arch is None:
        return False
    prog = program(*arch)
    raw = ctypes.create_string_buffer(b"".join(struct.pack("=HBBI", *i) for i in prog))
    fprog = _SockFprog(len(prog), ctypes.cast(raw, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")
    return True
