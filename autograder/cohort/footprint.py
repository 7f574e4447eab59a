"""What a kernel holds, measured from outside: the watchdog's readings where no cgroup counts it.

A kernel's footprint is more than the resident memory of its processes: files it deleted but keeps
open (``memfd_create`` files are such), the tmpfs mounts of its sandbox (``/tmp``, ``/dev/shm``, the
working copy), and whatever it wrote into its connection folder. These functions read each from
``/proc`` (the sandbox's mounts through ``/proc/<pid>/root`` of a process inside it), for the
watchdog of :mod:`autograder.cohort.execute`. With a memory cgroup (:mod:`autograder.cohort.cgroups`)
the kernel charges all of it there instead, SysV shared memory included, which this cannot see.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import psutil


def _children(pid: int) -> list[int] | None:
    """Child pids of ``pid`` from ``/proc/<pid>/task/<tid>/children`` (every thread's own children);
    ``None`` where the kernel has no such file (built without ``CONFIG_PROC_CHILDREN``)."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []  # gone
    kids: list[int] = []
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.extend(int(k) for k in f.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the thread ended meanwhile
            return None
        except OSError:
            continue
    return kids


def tree(pid: int | None) -> list[psutil.Process]:
    """``pid`` and all its descendants, parents before children (empty when it is gone).

    The watchdog calls this five times a second. psutil's ``children(recursive=True)`` reads the
    parent of every process on the machine each time (``/proc/*/stat``: 18 ms a call on a busy test
    machine, a tenth of a core); the kernel's own child lists read only the kernel's few processes.
    """
    if not pid:
        return []
    try:
        root = psutil.Process(pid)
    except psutil.Error:
        return []
    out, queue = [root], [pid]
    while queue:
        kids = _children(queue.pop(0))
        if kids is None:  # no child lists on this kernel: psutil's scan of every process
            try:
                return [root] + root.children(recursive=True)
            except psutil.Error:
                return []
        for kid in kids:
            try:
                out.append(psutil.Process(kid))
                queue.append(kid)
            except psutil.Error:
                pass  # ended meanwhile
    return out


def resident(procs: list[psutil.Process]) -> int:
    """Resident bytes of ``procs`` together (shared pages counted in each process that maps them)."""
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def tasks(procs: list[psutil.Process]) -> int:
    """Processes and threads of ``procs`` (what a pids cgroup would count)."""
    total = 0
    for p in procs:
        try:
            total += p.num_threads()
        except psutil.Error:
            total += 1
    return total


def hidden_files(procs: list[psutil.Process], skip_devices: set[int] = frozenset()) -> dict[int, int]:
    """``{device: bytes}`` of the deleted files (``memfd`` files among them) that ``procs`` keep open,
    each file once. Files on ``skip_devices`` (tmpfs mounts measured as a whole) are left out.
    """
    seen: set[tuple[int, int]] = set()
    total: dict[int, int] = {}
    for p in procs:
        fd_dir = f"/proc/{p.pid}/fd"
        try:
            names = os.listdir(fd_dir)
        except OSError:
            continue
        for name in names:
            link = f"{fd_dir}/{name}"
            try:
                if not os.readlink(link).endswith(" (deleted)"):
                    continue
                info = os.stat(link)
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if not stat.S_ISREG(info.st_mode) or key in seen or info.st_dev in skip_devices:
                continue
            seen.add(key)
            total[info.st_dev] = total.get(info.st_dev, 0) + max(info.st_size, info.st_blocks * 512)
    return total


def device_of(path: Path) -> int:
    try:
        return os.stat(path).st_dev
    except OSError:
        return -1


def _mount_ns(pid: int | str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return ""


def sandbox_root(procs: list[psutil.Process]) -> Path | None:
    """``/proc/<pid>/root`` of a process of ``procs`` in another mount namespace (inside the sandbox)."""
    ours = _mount_ns("self")
    for p in reversed(procs):  # the deepest first: the kernel itself
        ns = _mount_ns(p.pid)
        if ns and ns != ours:
            return Path(f"/proc/{p.pid}/root")
    return None


def mount_usage(path: Path) -> tuple[int, int, int] | None:
    """``(used bytes, size bytes, device)`` of the file system at ``path``, or ``None``."""
    try:
        vfs = os.statvfs(path)
        dev = os.stat(path).st_dev
    except OSError:
        return None
    size = vfs.f_blocks * vfs.f_frsize
    return size - vfs.f_bfree * vfs.f_frsize, size, dev


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` (not following links)."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
