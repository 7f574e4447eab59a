"""What the TA sees while ``dlcourse grade``, ``feedback`` and ``collect`` run, and the final table.

In a terminal the progress is a rich bar; in a log (stderr not a terminal: a file, CI, a batch job)
it is a line now and then, ``lab03_optimizers: graded 12/40 (3 zero, 1 timed out), 34 s, about 80 s
left``: once the step has run for 2 s, after every 5 % of the items or 15 s, and after the last
(a step that ends within 2 s prints no progress line).

Every text that comes from a submission or a worker (student ids, file names, reasons, addresses)
goes into a table as :func:`literal` text, never parsed as Rich markup: a file named ``[red]x[/]`` or
``a[/b]`` prints as it is named (and does not crash the table). :func:`literal_table` is the one way
the commands build their tables.
"""
from __future__ import annotations

import time

from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table
from rich.text import Text


def literal(value, style: str = "") -> Text:
    """``value`` as Rich text shown exactly as it is (no markup, no emoji codes), in ``style``."""
    return Text(str(value), style=style)


def literal_table(title: str, columns: list[str], rows, **kwargs) -> Table:
    """A table whose title and cells are all :func:`literal` (a cell may be given as ``Text`` already)."""
    rows = [tuple(row) for row in rows]
    table = Table(title=literal(title), **kwargs)
    # the first column names the row (a student, a file): kept whole, however narrow the console
    key_width = min(40, max([len(str(columns[0]))] + [len(str(row[0])) for row in rows if row]))
    for i, col in enumerate(columns):
        table.add_column(literal(col), overflow="fold", min_width=key_width if i == 0 else None)
    for row in rows:
        table.add_row(*(cell if isinstance(cell, Text) else literal(cell) for cell in row))
    return table


def points(value: float | None) -> str:
    """A score as a TA reads it: at most two decimals, no trailing zeros (``12.43``, ``18``, ``0.5``)."""
    return "" if value is None else f"{round(float(value), 2):g}"


class CountProgress:
    """``done/total`` of a long step, with time and an estimate of what is left: a bar in a terminal,
    lines in a log; silent when ``enabled`` is false. ``console``: where it goes (default: stderr)."""

    #: In a log: lines once the step has run this long, then at least every EVERY_S seconds or this share of the items.
    QUIET_S, EVERY_S, EVERY_SHARE = 2.0, 15.0, 0.05

    def __init__(self, label: str, total: int, verb: str = "done", enabled: bool = True,
                 console: Console | None = None, start: str | None = None, unit: str = "", clock=time.monotonic):
        self.label, self.verb, self.total, self.done, self.start = label, verb, total, 0, start
        self.clock = clock
        self.unit = f" {unit}" if unit else ""
        self.enabled = enabled and total > 0
        self.console = console or Console(stderr=True)
        self.live = self.enabled and self.console.is_terminal
        self.started = self._last_line = clock()
        self._last_done, self._printed = 0, False
        self.progress = Progress(
            TextColumn(f"[bold]{escape(label)}[/bold] {escape(verb)}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[problems]}"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=self.console, transient=False,
            disable=not self.live)
        self.task = self.progress.add_task(verb, total=total, problems="")

    def __enter__(self):
        self.started = self._last_line = self.clock()
        if self.enabled and not self.live and self.start:
            self.console.print(f"{self.label}: {self.start}", highlight=False, soft_wrap=True)
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def problems(self) -> str:
        """What went wrong so far, e.g. ``"3 zero, 1 timed out"``; empty when nothing did."""
        return ""

    def line(self) -> str:
        """The progress line of a log."""
        elapsed = self.clock() - self.started
        problems = f" ({self.problems()})" if self.problems() else ""
        left = ""
        if 0 < self.done < self.total:
            left = f", about {elapsed / self.done * (self.total - self.done):.0f} s left"
        return f"{self.label}: {self.verb} {self.done}/{self.total}{self.unit}{problems}, {elapsed:.0f} s{left}"

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.live:
            self.progress.update(self.task, advance=n, problems=self.problems())
            return
        if not self.enabled:
            return
        now = self.clock()
        if now - self.started < self.QUIET_S and not self._printed:
            return  # a short step says nothing
        if (not self._printed or self.done >= self.total or now - self._last_line >= self.EVERY_S
                or self.done - self._last_done >= max(1, round(self.EVERY_SHARE * self.total))):
            self.console.print(self.line(), highlight=False, soft_wrap=True)
            self._last_line, self._last_done, self._printed = now, self.done, True


class GradingProgress(CountProgress):
    """Notebooks executed by ``dlcourse grade``, with how many scored zero, timed out or failed."""

    def __init__(self, lab: str, total: int, enabled: bool = True, console: Console | None = None,
                 start: str | None = None, clock=time.monotonic):
        self.zero = self.timed_out = self.failures = 0
        super().__init__(lab, total, "graded", enabled, console, start, clock=clock)

    def problems(self) -> str:
        parts = [(self.zero, "zero"), (self.timed_out, "timed out"), (self.failures, "failed")]
        return ", ".join(f"{n} {what}" for n, what in parts if n)

    def advance(self, row) -> None:  # noqa: D102 - one Result of autograder.cohort.grade
        if row.status == "failed":
            self.failures += 1
        elif row.score is not None and row.score == 0:
            self.zero += 1
        if any("timeout" in why or "wall-clock" in why for why in row.reasons):
            self.timed_out += 1
        super().advance(1)


def print_results(lab: str, results, seconds: float | None, console: Console | None = None) -> None:
    """The final table: one row per student, with score, status, reasons and how long it ran (and the
    worker that ran it, when several did)."""
    console = console or Console()
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    # which worker ran a notebook matters only when several shared the work (lab machines of a cluster)
    several = len({r.worker for r in results if r.worker}) > 1
    rows = [(r.student, "" if r.score is None else f"{points(r.score)} / {points(r.max_score)}", r.status,
             "; ".join(r.reasons), f"{r.seconds:.1f}" if r.seconds else "") + ((r.worker,) if several else ())
            for r in results]
    columns = ["student", "score", "status", "reasons", "s"] + (["worker"] if several else [])
    console.print(literal_table(f"{lab}: {len(results)} submission(s){took}", columns, rows))
    counts = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    console.print(literal(", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))))


def print_protections(rows: list[tuple[str, bool, str]], remote: bool = False) -> None:
    """The protections ``dlcourse grade`` grades under, one line each, before anything runs."""
    console = Console()
    title = "Protections while grading" + (" (as probed on this machine; each worker applies its own)" if remote else "")
    cells = [(name, literal("yes", "green") if active else literal("NO", "red"), how) for name, active, how in rows]
    console.print(literal_table(title, ["protection", "active", "how"], cells, title_justify="left"))
