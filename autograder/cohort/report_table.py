"""``reports/<lab>/students.html``: the TA's per-student x per-function table of a lab, for a cohort of hundreds.

One row per roster student (those without a submission too), one column per graded function. Each
score is written as text (``1.5/2``) and coloured (full, partial, zero, none); each cell links to that
function's case messages further down the page (the outputs of the test cell in the autograded
notebook: which cases failed and by how much). Every score below full has a note: the grading
outcome of ``dlcourse grade`` (corrupt, renamed, crashed, timed out), a late penalty, the functions
that lost points, or "no submission". Links go to the student's feedback page and autograded
notebook (relative paths: the page works from the file system, offline, with no request anywhere).

The table sorts by any column (a button in each header: click or Enter/Space; ``aria-sort`` says
the order) and filters by text (id, name, note), by a function below full ("who failed adam?") and by
outcome. The script and styles are inline; nothing is loaded from elsewhere.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

#: Characters of case messages kept per cell (a test cell that printed pages of output is cut, with a note).
MESSAGE_CHARS = 2000


@dataclass
class Cell:
    """One student's score on one graded function; ``kind``: "full", "partial", "zero" or "none"."""

    score: float | None
    points: float
    kind: str
    anchor: str = ""


@dataclass
class StudentRow:
    id: str
    name: str
    score: float | None
    max_score: float
    cells: list[Cell]
    notes: list[str] = field(default_factory=list)
    kind: str = "none"
    feedback: str = ""   # relative link, "" when none
    notebook: str = ""   # relative link to the autograded notebook, "" when none
    messages: list[tuple[str, str, str]] = field(default_factory=list)  # (anchor, function, text)


def function_name(grade_cell: str) -> str:
    """The function a grade cell tests: ``test_adam`` -> ``adam``."""
    return grade_cell.removeprefix("test_")


def score_kind(score: float | None, points: float) -> str:
    if score is None:
        return "none"
    if score >= points - 1e-9:
        return "full"
    return "zero" if score <= 1e-9 else "partial"


def points_text(value: float | None) -> str:
    """``12.43``, ``18``, ``0.5``; empty for ``None``."""
    return "" if value is None else f"{round(float(value), 2):g}"


def case_messages(notebook: Path, questions: list[str]) -> dict[str, str]:
    """``{grade cell: text}``: what each test cell printed (streams, errors without their traceback)."""
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # noqa: BLE001 - a page for the rest of the cohort, a note for this one
        return {q: f"(the autograded notebook could not be read: {type(exc).__name__})" for q in questions}
    wanted, out = set(questions), {}
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id not in wanted or cell.cell_type != "code":
            continue
        parts = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            elif output.get("output_type") == "error":
                parts.append(f"{output.get('ename', '')}: {output.get('evalue', '')}\n")
        text = "".join(parts).strip()
        if len(text) > MESSAGE_CHARS:
            text = text[:MESSAGE_CHARS] + f"\n... ({len(text) - MESSAGE_CHARS} more characters in the notebook)"
        out[grade_id] = text
    return out


def _link(target: Path, out: Path) -> str:
    return Path(os.path.relpath(target, out)).as_posix()


def build_rows(root: Path, lab: str, out: Path, rows: list[dict], questions: list[str], points: dict[str, float],
               outcomes: dict[str, dict], roster: list[tuple[str, str]]) -> list[StudentRow]:
    """The table's rows: ``rows`` as :func:`autograder.cohort.report.lab_scores` gives them, ``outcomes``
    the records of ``.dlcourse/<lab>.json``, ``roster`` every ``(id, name)`` of the gradebook."""
    root, out = Path(root), Path(out)
    max_total = sum(points[q] for q in questions)
    result, seen = [], set()
    for r in rows:
        sid = r["id"]
        seen.add(sid)
        cells, lost = [], []
        for q in questions:
            got = r["per_question"].get(q)
            cell = Cell(got, points[q], score_kind(got, points[q]), f"c-{sid}-{function_name(q)}")
            cells.append(cell)
            if cell.kind != "full":
                lost.append(f"{function_name(q)} {points_text(got or 0)}/{points_text(points[q])}")
        kind = score_kind(r["score"], r["max_score"])
        notes = list(outcomes.get(sid, {}).get("reasons", []))
        if r.get("late_penalty"):
            notes.append(f"late: penalty {points_text(r['late_penalty'])}")
        if kind == "zero" and not outcomes.get(sid, {}).get("reasons"):
            notes.append("no function scored (blank, or every function wrong)")
        elif lost and kind != "zero":
            notes.append("lost points in " + ", ".join(lost))
        feedback = root / "feedback" / sid / lab / f"{lab}.html"
        graded_nb = root / "autograded" / sid / lab / f"{lab}.ipynb"
        messages = []
        if graded_nb.is_file():
            texts = case_messages(graded_nb, questions)
            messages = [(c.anchor, function_name(q), texts.get(q, "") or "(no output)") for q, c in zip(questions, cells)]
        else:
            for c in cells:
                c.anchor = f"s-{sid}"
        name = f"{r['first_name']} {r['last_name']}".strip()
        result.append(StudentRow(sid, name, r["score"], r["max_score"], cells, notes, kind,
                                 _link(feedback, out), _link(graded_nb, out) if graded_nb.is_file() else "", messages))
    for sid, name in roster:
        if sid not in seen:
            result.append(StudentRow(sid, name, None, max_total,
                                     [Cell(None, points[q], "none", f"s-{sid}") for q in questions],
                                     ["no submission"], "none"))
    result.sort(key=lambda row: row.id)
    return result


def function_stats(students: list[StudentRow], questions: list[str], points: dict[str, float]) -> list[dict]:
    """Per function, over the students with a submission: full-marks rate, mean and counts (as fractions)."""
    graded = [s for s in students if s.score is not None]
    stats = []
    for i, q in enumerate(questions):
        scores = [s.cells[i].score or 0.0 for s in graded]
        full = sum(s.cells[i].kind == "full" for s in graded)
        zero = sum(s.cells[i].kind == "zero" for s in graded)
        n = len(graded) or 1
        stats.append({"function": function_name(q), "points": points[q], "full": full, "zero": zero,
                      "partial": len(graded) - full - zero, "full_rate": full / n,
                      "mean": sum(scores) / n if graded else 0.0})
    return stats


def write_students_page(root: Path, lab: str, out: Path, rows: list[dict], questions: list[str],
                        points: dict[str, float], outcomes: dict[str, dict],
                        roster: list[tuple[str, str]]) -> list[StudentRow]:
    """Write ``out/students.html``; returns its rows (the report's index lists their notes too)."""
    import jinja2

    students = build_rows(root, lab, out, rows, questions, points, outcomes, roster)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pts"] = points_text
    page = env.get_template("students.html.j2").render(
        lab=lab, students=students, functions=[function_name(q) for q in questions],
        stats=function_stats(students, questions, points), max_total=sum(points[q] for q in questions),
        n_submitted=sum(s.score is not None for s in students))
    (Path(out) / "students.html").write_text(page)
    return students
