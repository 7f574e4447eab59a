"""What the TA sees while ``dlcourse grade`` runs (a rich progress bar) and after (the final table)."""
from __future__ import annotations

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)
from rich.table import Table


class GradingProgress:
    """Counts, ETA and failures of the notebooks being executed; silent when ``enabled`` is false."""

    def __init__(self, lab: str, total: int, enabled: bool = True):
        self.failures = 0
        self.enabled = enabled and total > 0
        self.progress = Progress(
            TextColumn(f"[bold]{lab}[/bold]"), BarColumn(), MofNCompleteColumn(),
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
    table = Table(title=f"{lab}: {len(results)} submission(s){took}")
    for col in ("student", "score", "status", "reasons", "s", "worker"):
        table.add_column(col, overflow="fold")
    for r in results:
        score = "" if r.score is None else f"{r.score:g}/{r.max_score:g}"
        table.add_row(r.student, score, r.status, "; ".join(r.reasons), f"{r.seconds:.1f}" if r.seconds else "", r.worker)
    console.print(table)
    counts = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    console.print(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def print_protections(rows: list[tuple[str, bool, str]], remote: bool = False) -> None:
    """The protections ``dlcourse grade`` grades under, one line each, before anything runs."""
    console = Console()
    table = Table(title="Protections while grading" + (" (as probed on this machine; each worker applies its own)"
                                                        if remote else ""), title_justify="left")
    table.add_column("protection")
    table.add_column("active")
    table.add_column("how")
    for name, active, how in rows:
        table.add_row(name, "[green]yes[/green]" if active else "[red]NO[/red]", how)
    console.print(table)
