"""Limits on one notebook's execution; defaults for a 2-core lab machine, overridable per run."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    """What one submission may use while it is graded.

    ``cell_timeout_s``: per cell, from ``nbgrader_config.py`` (``Execute.timeout``) unless given.
    ``wall_s``: the whole notebook, kernel start included (covers a kernel that hangs at start).
    ``memory_mib``: resident memory of the kernel and its children; the kernel is killed above it.
    ``output_bytes``: outputs kept per cell; what a cell prints beyond it is dropped, with a notice.
    ``disk_mib``: bytes the notebook may write into its working copy (and the largest single file).
    ``startup_s``: how long a kernel may take to answer before the start counts as failed.
    ``start_retries``: extra attempts when the kernel fails to start (infrastructure, not the student).
    """

    cell_timeout_s: int = 60
    wall_s: int = 600
    memory_mib: int = 4096
    output_bytes: int = 1_000_000
    disk_mib: int = 512
    startup_s: int = 60
    start_retries: int = 1

    def as_dict(self) -> dict:
        return asdict(self)
