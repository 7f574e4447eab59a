"""A control group per grading kernel: memory (all of it), processes and threads, CPU share.

The kernel's resident memory is only part of what it can hold: shared memory (``/dev/shm``, SysV
segments), ``memfd`` files, tmpfs files (its ``/tmp`` and working copy in the sandbox), deleted files
it keeps open, and the page cache it fills. A memory cgroup charges all of it to the kernel; a pids
cgroup counts processes *and* threads; a cpu cgroup caps the kernel's CPU share. When the host offers
them, :func:`for_kernel` makes one cgroup per kernel under this process's own cgroup and
:meth:`KernelCgroup.wrap` starts the kernel inside it (a shell that joins the cgroup, then ``exec``s
the sandbox), so every process the kernel ever starts is in it, double-forked daemons included.

Which hierarchy, probed at run time (:func:`support`):

* **cgroup v2** where this process's cgroup delegates the controllers (its ``cgroup.subtree_control``
  lists them, or accepts them): ``memory.max`` (swap off), ``pids.max``, ``cpu.max``;
* **cgroup v1** controllers otherwise, each where its hierarchy is writable (a hybrid host without
  systemd, as root: this course's CI): ``memory.limit_in_bytes`` (and ``memsw``), ``pids.max``,
  ``cpu.cfs_quota_us``;
* none (macOS, Windows, an unprivileged user on v1): :mod:`autograder.cohort.execute` falls back to its
  watchdog (resident memory plus what it can see of shared memory, tmpfs and open deleted files;
  processes plus threads; no CPU share), and ``dlcourse grade`` says so.

The grader reads the outcome from the cgroup itself (:meth:`KernelCgroup.observe`: the OOM killer's
count, refused forks), never from anything the kernel printed.
"""
from __future__ import annotations

import functools
import os
import shlex
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

CONTROLLERS = ("memory", "pids", "cpu")
PERIOD_US = 100_000
PREFIX = "dlcourse-"
_PROC = Path("/proc/self")


@dataclass(frozen=True)
class Support:
    """What this host offers: ``version`` ("v1", "v2" or ""), the base folder of each usable
    controller (where kernels' cgroups are made), and why each missing one is missing."""

    version: str = ""
    bases: dict[str, Path] = field(default_factory=dict)
    why_not: dict[str, str] = field(default_factory=dict)

    def has(self, controller: str) -> bool:
        return controller in self.bases

    def describe(self, controller: str) -> str:
        if controller in self.bases:
            return f"cgroup {self.version} {controller} controller"
        return self.why_not.get(controller, "no cgroup")


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """``(fstype, mount point, root inside the hierarchy, super options)`` of every cgroup mount."""
    found = []
    try:
        lines = (_PROC / "mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] not in ("cgroup", "cgroup2"):
            continue
        found.append((tail[0], fields[4], fields[3], set(tail[2].split(","))))
    return found


def _own_cgroups() -> dict[str, str]:
    """``{controller or "": path}`` from ``/proc/self/cgroup`` ("" is the v2 unified hierarchy)."""
    own = {}
    try:
        lines = (_PROC / "cgroup").read_text().splitlines()
    except OSError:
        return own
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for name in parts[1].split(",") if parts[1] else [""]:
            own[name] = parts[2]
    return own


def _under(mount: str, root: str, path: str) -> Path:
    rel = os.path.relpath(path, root) if root != "/" else path.lstrip("/")
    return Path(mount) / ("" if rel == "." else rel)


def _try_child(base: Path, files: dict[str, str]) -> str:
    """Make a probe cgroup under ``base``, write ``files`` into it, remove it; ``""`` or why not."""
    probe = base / f"{PREFIX}probe-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        probe.mkdir()
    except OSError as exc:
        return f"cannot create a cgroup under {base} ({exc.strerror})"
    try:
        for name, value in files.items():
            (probe / name).write_text(value)
    except OSError as exc:
        return f"cannot set {name} under {base} ({exc.strerror})"
    finally:
        try:
            probe.rmdir()
        except OSError:
            pass
    return ""


_V1_PROBE = {"memory": {"memory.limit_in_bytes": str(1 << 30)}, "pids": {"pids.max": "64"},
             "cpu": {"cpu.cfs_quota_us": str(PERIOD_US)}}
_V2_PROBE = {"memory": {"memory.max": str(1 << 30)}, "pids": {"pids.max": "64"}, "cpu": {"cpu.max": f"{PERIOD_US} {PERIOD_US}"}}


def _probe_v2(mounts, own) -> Support | None:
    mount = next(((m, r) for t, m, r, _ in mounts if t == "cgroup2"), None)
    if mount is None or "" not in own:
        return None
    base = _under(mount[0], mount[1], own[""])
    try:
        offered = set((base / "cgroup.controllers").read_text().split())
        enabled = set((base / "cgroup.subtree_control").read_text().split())
    except OSError:
        return None
    missing = [c for c in CONTROLLERS if c in offered and c not in enabled]
    if missing:
        try:
            (base / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))
        except OSError:
            pass  # EBUSY (this cgroup holds processes) or EACCES (not delegated)
        try:
            enabled = set((base / "cgroup.subtree_control").read_text().split())
        except OSError:
            pass
    bases, why = {}, {}
    for c in CONTROLLERS:
        if c not in enabled:
            why[c] = f"cgroup v2: the {c} controller is not delegated to {base}"
            continue
        problem = _try_child(base, _V2_PROBE[c])
        if problem:
            why[c] = f"cgroup v2: {problem}"
        else:
            bases[c] = base
    return Support("v2", bases, why) if bases else None


def _probe_v1(mounts, own) -> Support:
    bases, why = {}, {}
    for c in CONTROLLERS:
        mount = next(((m, r) for t, m, r, opts in mounts if t == "cgroup" and c in opts), None)
        if mount is None or c not in own:
            why[c] = f"no cgroup {c} controller on this host"
            continue
        base = _under(mount[0], mount[1], own[c])
        problem = _try_child(base, _V1_PROBE[c])
        if problem:
            why[c] = f"cgroup v1: {problem}"
        else:
            bases[c] = base
    return Support("v1" if bases else "", bases, why)


@functools.lru_cache(maxsize=1)
def support() -> Support:
    """Probe (once per process) which controllers this process can give its kernels.

    ``DLCOURSE_CGROUPS=off`` in the environment turns them off (the watchdog's fallback then applies).
    """
    if os.environ.get("DLCOURSE_CGROUPS", "").lower() in ("off", "0", "no", "none"):
        return Support("", {}, {c: "turned off (DLCOURSE_CGROUPS=off)" for c in CONTROLLERS})
    if not os.path.isdir("/sys/fs/cgroup"):
        return Support("", {}, {c: "no cgroups on this system" for c in CONTROLLERS})
    mounts, own = _mounts(), _own_cgroups()
    v2 = _probe_v2(mounts, own)
    v1 = _probe_v1(mounts, own)
    if v2 and len(v2.bases) >= len(v1.bases):
        return v2
    if v1.bases:
        return v1
    why = dict(v1.why_not)
    if v2 is None:
        return Support("", {}, why)
    return Support("", {}, {c: v2.why_not.get(c, why.get(c, "")) + "; " + why.get(c, "") for c in CONTROLLERS})


@dataclass
class Observation:
    """What the cgroup saw: OOM kills, refused forks, peak memory (bytes)."""

    oom_kills: int = 0
    refused_forks: int = 0
    memory_peak: int = 0


def _counter(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class KernelCgroup:
    """One kernel's cgroup (a folder per usable controller); :meth:`close` kills what is left and removes it."""

    def __init__(self, sup: Support, memory_mib: int, tasks: int, cpus: float):
        self.support = sup
        self.version = sup.version
        self.name = f"{PREFIX}{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.dirs: dict[str, Path] = {}
        self.limits = {"memory": memory_mib * 1024 * 1024, "pids": tasks, "cpu": cpus}
        try:
            for c in CONTROLLERS:
                if sup.has(c):
                    self._make(c)
        except OSError:
            self.close()
            raise

    def _make(self, controller: str) -> None:
        base = self.support.bases[controller]
        _reap_stale(base)
        folder = base / self.name
        if folder in self.dirs.values():  # v2: one folder holds every controller
            self.dirs[controller] = folder
        else:
            folder.mkdir()
            self.dirs[controller] = folder
        value = self.limits[controller]
        if self.version == "v2":
            if controller == "memory":
                (folder / "memory.max").write_text(str(value))
                _write_quietly(folder / "memory.swap.max", "0")
            elif controller == "pids":
                (folder / "pids.max").write_text(str(value))
            else:
                (folder / "cpu.max").write_text(f"{max(1000, int(value * PERIOD_US))} {PERIOD_US}")
        elif controller == "memory":
            (folder / "memory.limit_in_bytes").write_text(str(value))
            _write_quietly(folder / "memory.memsw.limit_in_bytes", str(value))  # no swapping past it
        elif controller == "pids":
            (folder / "pids.max").write_text(str(value))
        else:
            (folder / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (folder / "cpu.cfs_quota_us").write_text(str(max(1000, int(value * PERIOD_US))))

    @property
    def controllers(self) -> list[str]:
        return [c for c in CONTROLLERS if c in self.dirs]

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` started by a shell that first moves itself into this cgroup (then ``exec``s)."""
        procs = sorted({str(d / "cgroup.procs") for d in self.dirs.values()})
        if not procs:
            return list(argv)
        joins = " && ".join(f"echo $$ > {shlex.quote(p)}" for p in procs)
        script = f'{joins} || {{ echo "dlcourse: cannot join the kernel\'s cgroup" >&2; exit 97; }}; exec "$@"'
        return ["/bin/sh", "-c", script, "dlcourse-cgroup", *argv]

    def observe(self) -> Observation:
        seen = Observation()
        mem, pids = self.dirs.get("memory"), self.dirs.get("pids")
        if mem is not None:
            if self.version == "v2":
                seen.oom_kills = _counter(mem / "memory.events", "oom_kill")
                seen.memory_peak = _int(mem / "memory.peak")
            else:
                seen.oom_kills = _counter(mem / "memory.oom_control", "oom_kill")
                seen.memory_peak = _int(mem / "memory.max_usage_in_bytes")
        if pids is not None:
            seen.refused_forks = _counter(pids / "pids.events", "max")
        return seen

    def pids(self) -> list[int]:
        found: set[int] = set()
        for d in self.dirs.values():
            try:
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return sorted(found)

    def kill_all(self, wait_s: float = 5.0) -> None:
        """SIGKILL every process in the cgroup until none is left (a fork storm included)."""
        deadline = time.monotonic() + wait_s
        kill_file = next((d / "cgroup.kill" for d in self.dirs.values() if (d / "cgroup.kill").exists()), None)
        while True:
            left = self.pids()
            if not left or time.monotonic() > deadline:
                return
            if kill_file is not None:
                _write_quietly(kill_file, "1")
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.02)

    def close(self) -> None:
        """Kill what is left in the cgroup and remove its folders."""
        self.kill_all()
        for d in sorted(set(self.dirs.values())):
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)  # processes still exiting (zombies not yet reaped)
        self.dirs = {}


def _write_quietly(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError:
        pass


def _reap_stale(base: Path) -> None:
    """Remove empty kernel cgroups left by a grader that died (its pid is gone)."""
    try:
        entries = list(base.glob(f"{PREFIX}*"))
    except OSError:
        return
    for folder in entries:
        owner = folder.name[len(PREFIX):].split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid() or Path(f"/proc/{owner}").exists():
            continue
        try:
            if not (folder / "cgroup.procs").read_text().strip():
                folder.rmdir()
        except OSError:
            pass


def for_kernel(memory_mib: int, tasks: int, cpus: float) -> KernelCgroup | None:
    """A cgroup for one kernel with these limits, or ``None`` where the host offers no controller."""
    sup = support()
    if not sup.bases:
        return None
    try:
        return KernelCgroup(sup, memory_mib, tasks, cpus)
    except OSError:
        return None
