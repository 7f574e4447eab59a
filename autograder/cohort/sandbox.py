"""The student's kernel in a sandbox: bubblewrap (Debian's ``bubblewrap``) plus resource limits.

With bubblewrap the kernel sees a file system built from an allow-list, nothing else:

* read-only: the system (``/usr`` and the few ``/etc`` files Python needs), the Python install and
  the course venv, the student toolkit ``labkit/``, and the *kernel side* of the autograder: the
  folder ``autograder/kernel/`` as a whole and the package's entry point ``autograder/__init__.py``
  (:data:`KERNEL_SIDE`); nothing else of ``autograder/`` exists in the sandbox;
* read-write, each a size-limited tmpfs (memory, never the host's disk; charged to the kernel's
  memory cgroup where there is one, :mod:`autograder.cohort.cgroups`): the working copy of this one
  submission (``disk_mib``; the worker's folder is copied in when the kernel starts, and nothing is
  written back), a private ``/tmp`` and ``/dev/shm``; ``/dev`` itself is read-only. The kernel's
  connection sockets are in a folder of its own on the host's ``/dev/shm`` (off the host's disk; the
  watchdog stops a kernel that writes files there);
* absent: ``solutions/``, ``source/``, the gradebook, ``.dlcourse/``, every other student's folder,
  the TA's home and environment variables.

It runs in new user, PID, IPC, UTS and network namespaces (``JPY_PARENT_PID=1``: inside a PID namespace
the kernel's parent is process 1, which ipykernel would otherwise take for a dead parent) (no network at all, not even loopback
to the grader: the kernel talks to nbclient over Unix sockets), as uid 65534 inside, and dies
with its parent. ``prlimit`` sets the rlimits: file size, CPU seconds, open files, no
core dumps, and address space on CPU-only kernels (CUDA reserves more address space than it uses,
so GPU kernels rely on the resident-memory watchdog of :mod:`autograder.cohort.execute`, which runs
in every mode, as do the process count, the wall clock, the disk quota and the output cap; there is
no process rlimit: RLIMIT_NPROC counts all of the real user's processes and does not bind root).

Without bubblewrap (macOS, Windows, a Linux without user namespaces) the kernel runs unsandboxed
as the TA's user; ``dlcourse grade`` says so when it starts (:func:`describe`), and
``--sandbox require`` refuses to grade.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autograder.cohort.limits import Limits
from autograder.kernel import reports
from autograder.course import REPO

#: All of ``autograder/`` that the kernel sees: the entry point ``check`` and the kernel-side folder.
KERNEL_SIDE = ("__init__.py", "kernel")
_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts", "localtime", "nsswitch.conf", "host.conf",
        "mime.types", "matplotlibrc")
#: Environment variables passed into the kernel (everything else, the TA's included, is dropped).
ENV_KEEP = ("LANG", "LC_ALL", "LC_CTYPE", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "MPLBACKEND", "NBGRADER_EXECUTION", "CUDA_VISIBLE_DEVICES", "DLCOURSE_CASES",
            "DLCOURSE_GRADING_GPU", "DLCOURSE_DEVICE", "CUBLAS_WORKSPACE_CONFIG", "PYTHONDONTWRITEBYTECODE")
SANDBOX_UID = 65534
#: Processes and threads a kernel may run together (pids cgroup, else the watchdog).
PROCESSES = 256
TMP_MIB = 256
SHM_MIB = 64
#: Where the worker's copy of the submission is seen inside the sandbox, read-only, to copy it from.
SEED_DIR = "/run/dlcourse-seed"


@dataclass(frozen=True)
class Sandbox:
    """How grading kernels are started: ``kind`` is ``"bwrap"`` or ``"none"``."""

    kind: str
    why: str = ""

    @property
    def active(self) -> bool:
        return self.kind == "bwrap"

    def command(self, argv: list[str], workdir: Path, ipc_dir: Path, limits: Limits, use_gpu: bool) -> list[str]:
        """``argv`` (the kernel's command) wrapped in the sandbox and the rlimits."""
        rlimits = rlimit_args(limits, use_gpu)
        if not self.active:
            return rlimits + argv
        seed = ["/bin/sh", "-c", f'cp -R {SEED_DIR}/. . && exec "$@"', "dlcourse-seed"]
        return bwrap_args(workdir, ipc_dir, use_gpu, disk_mib=limits.disk_mib) + seed + rlimits + argv

    def environment(self, env: dict) -> dict:
        """The kernel's environment: an allow-list inside the sandbox, ``env`` unchanged outside it."""
        if not self.active:
            return dict(env)
        kept = {k: env[k] for k in ENV_KEEP if k in env}
        kept.update(HOME="/tmp", MPLCONFIGDIR="/tmp/matplotlib", TMPDIR="/tmp",
                    PATH=os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]))
        return kept


def rlimit_args(limits: Limits, use_gpu: bool) -> list[str]:
    """``prlimit`` options: file size, CPU seconds, open files, no core; address space on CPU."""
    prlimit = shutil.which("prlimit")
    if not prlimit:
        return []
    # No --nproc: RLIMIT_NPROC counts every process of the real user (a TA's whole desktop) and does
    # not bind root; the watchdog of autograder.cohort.execute counts the kernel's own processes.
    args = [prlimit, f"--fsize={limits.disk_mib * 1024 * 1024}",
            f"--cpu={max(1, 2 * limits.wall_s)}", "--nofile=1024", "--core=0"]
    if not use_gpu:
        args.append(f"--as={(limits.memory_mib + 4096) * 1024 * 1024}")
    return args + ["--"]


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/sbin"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _course_binds() -> list[str]:
    """Python, the venv, labkit and the kernel side of the autograder, read-only, at their own paths."""
    args = []
    for prefix in sorted({sys.base_prefix, sys.prefix}):
        args += ["--ro-bind", prefix, prefix]
    args += ["--ro-bind", str(REPO / "labkit"), str(REPO / "labkit")]
    for name in KERNEL_SIDE:
        path = REPO / "autograder" / name
        args += ["--ro-bind", str(path), str(path)]
    return args


def _gpu_binds() -> list[str]:
    args = []
    for dev in sorted(Path("/dev").glob("nvidia*")):
        args += ["--dev-bind", str(dev), str(dev)]
    for path in ("/sys", "/proc/driver/nvidia"):
        args += ["--ro-bind-try", path, path]
    return args


def bwrap_args(workdir: Path, ipc_dir: Path, use_gpu: bool, disk_mib: int | None = None) -> list[str]:
    """The bubblewrap command line up to (not including) the command it runs.

    With ``disk_mib`` the working copy is a tmpfs of that size at ``workdir``'s path, and ``workdir``
    is seen read-only at :data:`SEED_DIR` (the command copies it in); without, ``workdir`` is bound
    read-write (the availability probe).
    """
    args = [shutil.which("bwrap") or "bwrap", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "grading", "--die-with-parent", "--setenv", "JPY_PARENT_PID", "1", "--proc", "/proc",
            "--dev", "/dev", "--size", str(SHM_MIB * 1024 * 1024), "--tmpfs", "/dev/shm",
            "--size", str(TMP_MIB * 1024 * 1024), "--tmpfs", "/tmp"]
    args += _system_binds() + _course_binds()
    if use_gpu:
        args += _gpu_binds()
    if disk_mib is None:
        args += ["--bind", str(workdir), str(workdir)]
    else:
        args += ["--ro-bind", str(workdir), SEED_DIR, "--size", str(disk_mib * 1024 * 1024), "--tmpfs", str(workdir)]
    args += ["--bind", str(ipc_dir), str(ipc_dir), "--remount-ro", "/dev", "--chdir", str(workdir), "--"]
    return args


def ipc_parent() -> str:
    """Where kernels' connection folders go: the host's ``/dev/shm`` (memory, off the disk) if usable."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return str(shm)
    return tempfile.gettempdir()


@functools.lru_cache(maxsize=None)
def _bwrap_works() -> str:
    """``""`` when bubblewrap can start a process here, else why not."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if not shutil.which("bwrap"):
        return "bubblewrap is not installed (Debian/Ubuntu: apt install bubblewrap)"
    probe = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        done = subprocess.run(bwrap_args(probe, probe, False) + [sys.executable, "-c", "pass"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap failed to start: {exc}"
    if done.returncode != 0:
        return f"bubblewrap cannot create its namespaces here: {done.stderr.strip()[:200]}"
    return ""


def choose(mode: str = "auto") -> Sandbox:
    """``mode``: ``auto`` (bubblewrap when it works), ``require`` (raise without it) or ``none``."""
    if mode not in ("auto", "require", "none"):
        raise ValueError(f"sandbox mode must be auto, require or none, not {mode!r}")
    if mode == "none":
        return Sandbox("none", "turned off (--sandbox none)")
    why = _bwrap_works()
    if not why:
        return Sandbox("bwrap")
    if mode == "require":
        raise RuntimeError(f"--sandbox require: {why}")
    return Sandbox("none", why)


#: Row names of :func:`describe` that tests and docs refer to.
SCORES_ROW = "scores computed outside the kernel, out of its reach"
CLUSTER_ROW = "cluster: only holders of the course's credentials connect (mutual TLS)"
WORKERS_ROW = "workers checked before their grades count; results read as data"


def describe(sandbox: Sandbox, limits: Limits, cluster=None) -> list[tuple[str, bool, str]]:
    """``(protection, active, detail)`` rows that ``dlcourse grade`` prints when it starts.

    ``cluster``: the run's :class:`autograder.cohort.cluster.ClusterMode` (default: a local cluster).
    Without the sandbox the kernel runs as the grader's user, next to its worker: it can read the
    worker's memory and files (the cluster's credentials among them) and reach the cluster, so the
    scores row says NO there.
    """
    box = sandbox.active
    gone = "" if box else f" ({sandbox.why})"
    kind = getattr(cluster, "kind", "local")
    cluster_how = {"local": "Dask TLS with temporary in-memory credentials: no other account of this machine can connect",
                   "tls": "Dask TLS with the course CA's certificates (dlcourse cluster init)",
                   "insecure": "NO: plain TCP (--insecure-cluster): any process that reaches the port controls the "
                               "workers"}[kind]
    return [
        (SCORES_ROW, box,
         "the grader draws each run's cases and judges; test cells only report outputs on the cases given as data"
         if box else "NO: scores can be tampered with: the unsandboxed kernel runs as you beside its worker and can "
                     "read its memory and the cluster's credentials" + gone + "; grade with --sandbox require"),
        ("solutions/, source/, gradebook, other students unreadable", box,
         "bubblewrap: allow-list file system" if box else "no sandbox" + gone),
        ("no network", box, "empty network namespace" if box else "no sandbox" + gone),
        ("runs as an unprivileged user", box, f"uid {SANDBOX_UID} in a user namespace" if box else "runs as you" + gone),
        ("file-size, CPU-time, open-file limits", bool(shutil.which("prlimit")),
         f"prlimit: files ≤ {limits.disk_mib} MiB, CPU ≤ {2 * limits.wall_s} s, 1024 open files, no core dumps"
         if shutil.which("prlimit") else "prlimit not found"),
        (CLUSTER_ROW, kind in ("local", "tls"), cluster_how),
        (WORKERS_ROW, True,
         "canary: every worker grades the lab's reference (full) and blank (zero) first, cached per environment; "
         "results come back as JSON text, read with msgpack only and checked against their job"),
    ] + limit_rows(sandbox, limits)


def limit_rows(sandbox: Sandbox, limits: Limits) -> list[tuple[str, bool, str]]:
    """The kernel's resource limits as protection rows: a cgroup's hard limit, or the watchdog's."""
    from autograder.cohort import cgroups

    sup = cgroups.support()
    mem, pids, cpu = (sup.has(c) for c in ("memory", "pids", "cpu"))
    box = sandbox.active
    return [
        ("memory: resident, shared memory, tmpfs, memfd, deleted open files", mem,
         f"{sup.describe('memory')}: {limits.memory_mib} MiB for all of it" if mem else
         f"watchdog only ({sup.describe('memory')}): resident memory, tmpfs, memfd and deleted open files "
         f"over {limits.memory_mib} MiB stop the kernel; SysV shared memory is not counted"),
        ("processes and threads", pids,
         f"{sup.describe('pids')}: {limits.tasks} together" if pids else
         f"watchdog only ({sup.describe('pids')}): more than {limits.tasks} processes and threads stop the kernel"),
        ("CPU share", cpu,
         f"{sup.describe('cpu')}: {limits.cpus:g} CPU" if cpu else f"not bounded ({sup.describe('cpu')})"),
        ("writable places are size-limited tmpfs, /dev read-only", box,
         f"working copy {limits.disk_mib} MiB (the disk quota), /tmp {TMP_MIB} MiB, /dev/shm {SHM_MIB} MiB, in memory; "
         "the connection folder is on the host's /dev/shm" if box else
         f"no sandbox{'' if box else f' ({sandbox.why})'}: the watchdog counts the working copy and deleted open files"),
        ("wall-clock, disk, output limits", True,
         f"{limits.wall_s} s per notebook, {limits.disk_mib} MiB written, output {limits.output_bytes // 1000} kB per cell "
         f"and {limits.notebook_output_bytes // 1_000_000} MB per notebook (display updates included), "
         f"messages over {(reports.MAX_BYTES + 1_000_000) // 1_000_000} MB refused"),
    ]
