"""Readings of what one grading kernel costs the host, taken from outside while it runs.

A :class:`Meter` samples every 20 ms, independently of the limits under test:

* ``kernel_memory``: the resident memory of this process's children (the kernel's processes) plus
  the host's shared memory above its level before the kernel started (``Shmem`` of ``/proc/meminfo``:
  tmpfs, ``/dev/shm``, memfd and SysV segments, wherever they are). Pages counted twice (a mapped
  shared page) only make it larger;
* ``host_used``: the host's used memory (``total - available``) above its level before, which other
  work on the machine also moves (recorded, not asserted);
* ``kernel_disk``: bytes on the host's disks that the kernel holds: the files under its host working
  copy and connection folder, and the deleted files its processes keep open there;
* ``disk_used``: the host file system of the temporary folder, used bytes above its level before
  (recorded; other work moves it too);
* ``driver_rss``: the resident memory of this process (the grading process), its peak.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from autograder.cohort import footprint
from autograder.cohort.sandbox import ipc_parent

MIB = 1024 * 1024


def _shmem() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("Shmem:"):
                return int(line.split()[1]) * 1024
    return 0


def _host_used() -> int:
    vm = psutil.virtual_memory()
    return vm.total - vm.available


@dataclass
class Readings:
    kernel_memory: int = 0
    host_used: int = 0
    kernel_disk: int = 0
    disk_used: int = 0
    driver_rss: int = 0
    samples: int = 0

    def as_mib(self) -> dict:
        return {k: round(v / MIB, 1) for k, v in self.__dict__.items() if k != "samples"} | {"samples": self.samples}


@dataclass
class Meter:
    folders: list[Path] = field(default_factory=list)  # the kernel's host folders (working copy, connection folder)

    def __enter__(self) -> "Meter":
        self.me = psutil.Process()
        # processes this one had already (a session's cluster workers): not the kernel's, not leftovers
        self.before = frozenset(p.pid for p in self.me.children(recursive=True))
        self.base_shmem, self.base_used = _shmem(), _host_used()
        self.base_disk = shutil.disk_usage(tempfile.gettempdir()).used
        self.peak = Readings(driver_rss=self.me.memory_info().rss)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        kids = [p for p in self.me.children(recursive=True) if p.pid not in self.before]
        # the connection folders count as disk unless they are on the host's /dev/shm (memory: Shmem)
        ipc = [] if ipc_parent() == "/dev/shm" else sorted(Path(ipc_parent()).glob("dlcourse-ipc-*"))
        folders = list(self.folders) + ipc
        host_devices = {footprint.device_of(f) for f in folders if f.exists()}
        kernel_memory = footprint.resident(kids) + max(0, _shmem() - self.base_shmem)
        hidden = footprint.hidden_files(kids)
        kernel_disk = sum(footprint.folder_bytes(f) for f in folders if f.exists()) + \
            sum(v for dev, v in hidden.items() if dev in host_devices)
        now = Readings(kernel_memory, max(0, _host_used() - self.base_used), kernel_disk,
                       max(0, shutil.disk_usage(tempfile.gettempdir()).used - self.base_disk),
                       self.me.memory_info().rss)
        for name in ("kernel_memory", "host_used", "kernel_disk", "disk_used", "driver_rss"):
            setattr(self.peak, name, max(getattr(self.peak, name), getattr(now, name)))
        self.peak.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            try:
                self._sample()
            except (psutil.Error, OSError):
                pass

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def leftovers(before: frozenset = frozenset()) -> list[str]:
    """Processes of this process still alive (other than those in ``before``, e.g. :attr:`Meter.before`),
    and kernel cgroups of this process still on the host."""
    from autograder.cohort import cgroups

    left = [f"process {p.pid} ({p.name()})" for p in psutil.Process().children(recursive=True)
            if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
    for base in set(cgroups.support().bases.values()):
        left += [f"cgroup {d}" for d in base.glob(f"{cgroups.PREFIX}{os.getpid()}-*")]
    return left
