"""Limits on one notebook's execution; defaults for a 2-core lab machine, overridable per run."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it is graded.

    ``cell_timeout_s``: per cell, from ``nbgrader_config.py`` (``Execute.timeout``) unless given.
    ``wall_s``: the whole notebook, kernel start included (covers a kernel that hangs at start).
    ``memory_mib``: everything the kernel and its children hold in memory: resident memory, shared
    memory, tmpfs files (the sandbox's working copy, ``/tmp``, ``/dev/shm``), memfd and deleted open
    files (a memory cgroup where the host offers one, else the watchdog); the kernel is stopped above it.
    ``tasks``: processes and threads of the kernel together (a pids cgroup, else the watchdog).
    ``cpus``: the kernel's CPU share, in CPUs (a cpu cgroup's quota; not bounded without one).
    ``output_bytes``: outputs kept per cell (display updates included); beyond it a cell's output is
    dropped, with a notice.
    ``notebook_output_bytes``: all output of the notebook together (reports included); beyond it the
    kernel is stopped.
    ``disk_mib``: bytes the notebook may write into its working copy (and the largest single file).
    ``startup_s``: how long a kernel may take to answer before the start counts as failed.
    ``start_retries``: extra attempts when the kernel fails to start (infrastructure, not the student).
    """

    cell_timeout_s: int = 60
    wall_s: int = 600
    memory_mib: int = 4096
    tasks: int = 256
    cpus: float = 1.0
    output_bytes: int = 1_000_000
    notebook_output_bytes: int = 64_000_000
    disk_mib: int = 512
    startup_s: int = 60
    start_retries: int = 1

    def as_dict(self) -> dict:
        return asdict(self)


def timeout_error(cell_timeout_s: int) -> dict:
    """The error a cell interrupted at its time limit shows (nbclient's ``error_on_timeout``).

    Both paths use it (``nbgrader_config.py`` for plain nbgrader, ``execute.GuardedExecute`` for
    ``dlcourse grade``), so a student reads the limit they ran into, not a bare ``CellTimeoutError``.
    """
    why = (f"this cell was still running after the per-cell limit of {cell_timeout_s} s and was "
           "interrupted; the cells after it still ran")
    return {"ename": "CellTimeoutError", "evalue": why, "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {why}"]}
