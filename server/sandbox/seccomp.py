"""codex's seccomp rules, compiled by libseccomp (Debian `libseccomp2`, called through ctypes).

Stdlib only: the launcher imports this with `python -S`. `compile_filter()` returns the classic-BPF
program as bytes, which bubblewrap loads (`--seccomp FD`) right before it execs the command, after
no_new_privs. Default ALLOW; a matching rule fails the call with EPERM; a foreign architecture is killed.
"""

from __future__ import annotations

import ctypes
import os

_ACT_ALLOW, _ACT_KILL_PROCESS = 0x7FFF0000, 0x80000000
_ACT_EPERM = 0x00050000 | 1  # SCMP_ACT_ERRNO(EPERM)
_ATTR_ACT_BADARCH = 2
_CMP_NE, _CMP_EQ = 1, 4
AF_UNIX, AF_VSOCK = 1, 40

_IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")
# Network off ("Restricted"): no sockets but unix ones, no connecting even those, no ptrace or io_uring.
_RESTRICTED = (
    "connect", "accept", "accept4", "bind", "listen", "sendto", "sendmmsg", "recvmmsg", "shutdown",
    "getsockname", "getpeername", "setsockopt", "getsockopt", "ptrace", "process_vm_readv", "process_vm_writev",
    *_IO_URING,
)  # fmt: skip


class SeccompUnavailable(Exception):
    """libseccomp is missing or refused the rules: the command must not run."""


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


def _library() -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError as exc:
        raise SeccompUnavailable(f"libseccomp is not installed ({exc}); install libseccomp2") from exc
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)
    ]  # fmt: skip
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    return lib


def _check(result: int, what: str) -> None:
    if result < 0:
        raise SeccompUnavailable(f"{what} failed: {os.strerror(-result)}")


def _deny(lib: ctypes.CDLL, ctx: int, name: str, *conds: _ArgCmp) -> None:
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    if nr < 0:
        return  # this architecture has no such call
    array = (_ArgCmp * len(conds))(*conds) if conds else None
    _check(lib.seccomp_rule_add_array(ctx, _ACT_EPERM, nr, len(conds), array), f"seccomp rule {name}")


def compile_filter(network: bool) -> bytes:
    """codex's "Restricted" rules when the network is off, "VmSocketRestricted" when it is on."""
    lib = _library()
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        raise SeccompUnavailable("seccomp_init failed")
    try:
        _check(lib.seccomp_attr_set(ctx, _ATTR_ACT_BADARCH, _ACT_KILL_PROCESS), "seccomp_attr_set")
        if network:
            for name in ("socket", "socketpair"):
                _deny(lib, ctx, name, _ArgCmp(0, _CMP_EQ, AF_VSOCK, 0))
            for name in _IO_URING:
                _deny(lib, ctx, name)
        else:
            for name in ("socket", "socketpair"):
                _deny(lib, ctx, name, _ArgCmp(0, _CMP_NE, AF_UNIX, 0))
            for name in _RESTRICTED:
                _deny(lib, ctx, name)
        return _export(lib, ctx)
    finally:
        lib.seccomp_release(ctx)


def _export(lib: ctypes.CDLL, ctx: int) -> bytes:
    read, write = os.pipe()
    try:
        _check(lib.seccomp_export_bpf(ctx, write), "seccomp_export_bpf")
        os.close(write)
        write = -1
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)
