"""What a kernel's outputs may cost: a budget per cell and per notebook, whatever path they take.

Every message the kernel sends about a cell's output (streams, displays, results, errors, display
*updates*, clear_output, widget comm messages) is charged to the cell that is running and to the
notebook, by the size of its JSON content. A display update counts once for every output it
rewrites (an id shown in many places is rewritten in all of them). Over the cell's budget, the
message is dropped (the cell keeps what it had, with one notice); over the notebook's, the kernel is
stopped. So what the executed notebook holds, and what the grading process keeps in memory, stays
below ``cells × cell budget`` and ``notebook budget``.

A grader's report (:data:`autograder.kernel.reports.MIME`) gets the larger report budget only in a
test cell, where the grader reads it; anywhere else it is ordinary output.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

KEEP, DROP, STOP = "keep", "drop", "stop"


def content_bytes(content) -> int:
    """Size of a message's content as JSON (what it adds to the notebook)."""
    try:
        return len(json.dumps(content, default=str, separators=(",", ":")))
    except (TypeError, ValueError):
        return len(str(content))


@dataclass
class OutputBudget:
    """Bytes per cell (``cell_bytes``; ``report_bytes`` for reports in test cells) and per notebook."""

    cell_bytes: int
    notebook_bytes: int
    report_bytes: int
    used: dict = field(default_factory=dict)       # (cell index, kind) -> bytes charged
    total: int = 0                                   # bytes charged to the notebook
    capped: dict = field(default_factory=dict)      # (cell index, kind) -> True once dropped
    stopped: bool = False

    def admit(self, cell_index: int, size: int, report: bool = False) -> str:
        """Charge ``size`` bytes; :data:`KEEP`, :data:`DROP` (over the cell's budget) or :data:`STOP`."""
        if self.stopped:
            return STOP
        self.total += size
        if self.total > self.notebook_bytes:
            self.stopped = True
            return STOP
        key = (cell_index, "report" if report else "output")
        cap = self.report_bytes if report else self.cell_bytes
        used = self.used.get(key, 0) + size
        self.used[key] = used
        if used > cap:
            return DROP
        return KEEP

    def first_drop(self, cell_index: int, report: bool = False) -> bool:
        """True the first time this cell's budget of this kind drops a message (for one notice)."""
        key = (cell_index, "report" if report else "output")
        if key in self.capped:
            return False
        self.capped[key] = True
        return True

    def capped_cells(self) -> list[int]:
        return sorted({cell for cell, _ in self.capped})
