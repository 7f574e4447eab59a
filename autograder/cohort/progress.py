"""What the TA sees while ``dlcourse grade`` runs (a rich progress bar) and after (the final table).

Every text that comes from a submission or a worker (student ids, file names, reasons, addresses)
goes into a table as :func:`literal` text, never parsed as Rich markup: a file named ``[red]x[/]`` or
``a[/b]`` prints as it is named (and does not crash the table). :func:`literal_table` is the one way
the commands build their tables.
"""
from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table
from rich.text import Text


def literal(value, style: str = "") -> Text:
    """``value`` as Rich text shown exactly as it is (no markup, no emoji codes), in ``style``."""
    return Text(str(value), style=style)


def literal_table(title: str, columns: list[str], rows, **kwargs) -> Table:
    """A table whose title and cells are all :func:`literal` (a cell may be given as ``Text`` already)."""
    table = Table(title=literal(title), **kwargs)
    for col in columns:
        table.add_column(literal(col), overflow="fold")
    for row in rows:
        table.add_row(*(cell if isinstance(cell, Text) else literal(cell) for cell in row))
    return table


class GradingProgress:
    """Counts, ETA and failures of the notebooks being executed; silent when ``enabled`` is false."""

    def __init__(self, lab: str, total: int, enabled: bool = True):
        self.failures = 0
        self.enabled = enabled and total > 0
        self.progress = Progress(
            TextColumn(literal(lab, "bold")), BarColumn(), MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failures]} with problems"), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), console=Console(stderr=True), transient=False,
            disable=not self.enabled)
        self.task = self.progress.add_task("grading", total=total, failures=0)

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def advance(self, row) -> None:
        if row.status == "failed" or row.reasons:
            self.failures += 1
        self.progress.update(self.task, advance=1, failures=self.failures)


def print_results(lab: str, results, seconds: float | None, console: Console | None = None) -> None:
    """The final table: one row per student, with score, status, reasons, where and how long."""
    console = console or Console()
    took = f" in {seconds:.0f} s" if seconds is not None else ""
    rows = [(r.student, "" if r.score is None else f"{r.score:g}/{r.max_score:g}", r.status, "; ".join(r.reasons),
             f"{r.seconds:.1f}" if r.seconds else "", r.worker) for r in results]
    console.print(literal_table(f"{lab}: {len(results)} submission(s){took}",
                                ["student", "score", "status", "reasons", "s", "worker"], rows))
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
