"""The TA report's misconceptions section: how many students of a lab show each diagnosed mistake.

Read back from the autograded notebooks (no grading is re-run): each hidden test cell's printout holds
a line ``  diagnosis [<catalogue id>]: <text>`` per misconception diagnosed while grading
(:mod:`autograder.grading.diagnosis`). Writes ``misconceptions.csv`` and ``misconceptions.png`` (a bar
per misconception) into the lab's report folder, and gives the HTML section of ``index.html``.
"""
from __future__ import annotations

import csv
import html
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.grading.diagnosis import entry_for, parse_lines

CSV_NAME, CHART_NAME = "misconceptions.csv", "misconceptions.png"


@dataclass
class Misconception:
    """One catalogue mistake and the students whose outputs matched it."""

    entry: str                  # "<lab>.<function>:<name>"
    function: str
    description: str
    contradicts: str
    students: list[str] = field(default_factory=list)


def _printouts(notebook: Path) -> list[str]:
    """The printouts of the notebook's test cells (under ``dlcourse grade`` written by the worker alone:
    a line a student prints in a cell of their own is no diagnosis)."""
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook shows no diagnosis (report_table notes it)
        return []
    tests = [c for c in nb.cells if c.cell_type == "code" and (m := c.get("metadata", {}).get("nbgrader", {}))
             and m.get("grade") and not m.get("solution")]
    return ["".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
            for cell in tests]


def lab_misconceptions(root: Path, lab: str, students: list[str]) -> list[Misconception]:
    """The misconceptions diagnosed in ``students``' autograded notebooks of ``lab``, most students first
    (then by function and name)."""
    found: dict[str, Misconception] = {}
    for student in students:
        seen = set()
        for text in _printouts(Path(root) / "autograded" / student / lab / f"{lab}.ipynb"):
            for entry_id, _ in parse_lines(text):
                if entry_id in seen:
                    continue
                seen.add(entry_id)
                if entry_id not in found:
                    entry = entry_for(entry_id)
                    function = entry_id.split(":", 1)[0].split(".", 1)[-1]
                    found[entry_id] = Misconception(entry_id, function,
                                                    (entry.description or entry.name) if entry else entry_id,
                                                    entry.contradicts if entry else "")
                found[entry_id].students.append(student)
    return sorted(found.values(), key=lambda m: (-len(m.students), m.function, m.description))


def write_files(out: Path, lab: str, found: list[Misconception], graded: int) -> None:
    """``misconceptions.csv`` (always, a header at least) and ``misconceptions.png`` (when any)."""
    with open(out / CSV_NAME, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["function", "misconception", "contradicts", "students", "share", "catalogue_id", "student_ids"])
        for m in found:
            w.writerow([m.function, m.description, m.contradicts, len(m.students),
                        f"{len(m.students) / graded:.3f}" if graded else "", m.entry, " ".join(m.students)])
    (out / CHART_NAME).unlink(missing_ok=True)
    if not found:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def label(m: Misconception) -> str:
        text = f"{m.function}: {m.description}"
        return text if len(text) <= 44 else text[:43] + "…"

    labels = [label(m) for m in found]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(found) + 1.3))
    ax.barh(range(len(found)), [len(m.students) for m in found], color="#c44e52")
    ax.set_yticks(range(len(found)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel="students", title=f"{lab}: misconceptions ({graded} graded)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(out / CHART_NAME, dpi=110)
    plt.close(fig)


def html_section(found: list[Misconception], graded: int) -> str:
    """The ``<h2>Misconceptions</h2>`` section of the report page (every text escaped)."""
    esc = html.escape
    head = ("<h2>Misconceptions</h2><p>A function's failing outputs matched a known mistake of the catalogue "
            "(autograder/grading/catalogue/mutants/) on every failing case. Functions judged statistically or "
            f"by training are not diagnosed. File: <a href=\"{CSV_NAME}\">{CSV_NAME}</a>.</p>")
    if not found:
        return head + "<p>No misconception diagnosed in this lab.</p>"
    rows = "".join(
        f"<tr><td><code>{esc(m.function)}</code></td><td>{esc(m.description)}</td><td>{esc(m.contradicts)}</td>"
        f"<td class=n>{len(m.students)}</td><td class=n>{100 * len(m.students) / graded:.0f}%</td>"
        f"<td>{esc(', '.join(m.students))}</td></tr>" for m in found)
    return (head + f'<img src="{CHART_NAME}" alt="students per misconception">'
            "<table><tr><th>function</th><th>misconception</th><th>contradicts</th><th>students</th>"
            f"<th>share</th><th>who</th></tr>{rows}</table>")
