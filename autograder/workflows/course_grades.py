"""``dlcourse course-grades``: the course's Lab item from the code scores and the lab vivas.

Per roster student: each counted lab's code score after its late penalty (``score - penalty``, at
least 0, out of the lab's points; a lab not handed in counts 0 and is noted), each counted viva round's
mark (:mod:`autograder.viva.marks`; no viva counts 0 and is noted), then, with the weights of
:class:`LabGrade` (the calendar's ``lab_grade:``)::

    code  = mean over labs of score/points        (lab_weights: equal)
          | sum of scores / sum of points          (lab_weights: points)
    viva  = mean over rounds of mark/max
    Lab   = course_percent × (code_percent/100 × code + viva_percent/100 × viva)     (points of the course)

Counted are the calendar's labs that have a graded submission in the gradebook and the viva rounds with
at least one viva recorded (``--labs`` chooses the labs). Written into ``<course>/reports/``:

* ``course-grades.csv``: one row per roster student, the id first, a column per lab and per round,
  the code and viva percentages, the Lab item and the notes;
* ``course-grades-lms.csv``: the Lab item for the LMS, through the one exporter (:mod:`autograder.cohort.lms_export`);
* ``course-grades.html`` and ``course-grades.png``: the table and the distribution (all text escaped).

Before overwriting, the last export's ``course-grades.csv`` is compared: whose Lab item changed (after
a regrade, an extension, a viva correction) is returned and printed, so the TA re-uploads only those.
"""
from __future__ import annotations

import csv
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from nbgrader.api import Gradebook
from traitlets import Enum, Float
from traitlets.config import LoggingConfigurable

from autograder.cohort.lms_export import GradeItem, identifier_for, roster_students, write_lms_csv
from autograder.cohort.pipeline import Pipeline, load_config
from autograder.cohort.roster import memberships, session_in_week
from autograder.course.schedule import LAB_WEIGHTS, LabGradeWeights, find_calendar
from autograder.viva.marks import Recorded, current_vivas
from autograder.viva.records import lab_order_key


class LabGrade(LoggingConfigurable):
    """How code scores and lab vivas make the Lab item; unset options take the calendar's ``lab_grade:``."""

    course_percent = Float(None, allow_none=True, help="The Lab item's share of the course, in percent (slides: 15)."
                           ).tag(config=True)
    code_percent = Float(None, allow_none=True, help="Percent of the Lab item from the code scores.").tag(config=True)
    viva_percent = Float(None, allow_none=True, help="Percent of the Lab item from the lab vivas.").tag(config=True)
    lab_weights = Enum(LAB_WEIGHTS, default_value=None, allow_none=True,
                       help="equal: every lab weighs the same; points: a lab weighs its points.").tag(config=True)

    def weights(self, calendar) -> LabGradeWeights:
        base = calendar.lab_grade if calendar else LabGradeWeights()
        values = {k: getattr(self, k) for k in ("course_percent", "code_percent", "viva_percent", "lab_weights")}
        merged = LabGradeWeights(**{k: (v if v is not None else getattr(base, k)) for k, v in values.items()})
        if abs(merged.code_percent + merged.viva_percent - 100) > 1e-9:
            raise ValueError(f"code_percent + viva_percent must be 100, got {merged.code_percent:g} + "
                             f"{merged.viva_percent:g}")
        return merged

    @staticmethod
    def combine(w: LabGradeWeights, labs: list[tuple[float, float]], vivas: list[float]) -> tuple[float, float, float]:
        """``(code fraction, viva fraction, Lab item)`` from ``(score, points)`` per lab and a fraction per round."""
        if w.lab_weights == "points":
            total = sum(p for _, p in labs)
            code = sum(s for s, _ in labs) / total if total else 0.0
        else:
            code = sum(s / p for s, p in labs if p) / len(labs) if labs else 0.0
        viva = sum(vivas) / len(vivas) if vivas else 0.0
        return code, viva, w.course_percent * (w.code_percent / 100 * code + w.viva_percent / 100 * viva)


@dataclass
class StudentGrade:
    id: str
    first_name: str
    last_name: str
    email: str
    session: str
    labs: dict[str, Optional[tuple[float, float]]]          # lab -> (score after penalty, points), None: missing
    vivas: dict[str, Optional[Recorded]]                    # round -> viva, None: missing
    code: float = 0.0
    viva: float = 0.0
    lab_item: float = 0.0
    notes: list[str] = field(default_factory=list)


@dataclass
class CourseGrades:
    students: list[StudentGrade]
    labs: list[str]
    points: dict[str, float]
    rounds: list[str]
    round_max: dict[str, float]
    weights: LabGradeWeights
    item_name: str
    changed: list[tuple[str, Optional[float], float]] = field(default_factory=list)   # (id, before, now)


def compute(root: Path, labs: Optional[list[str]] = None) -> CourseGrades:
    """Everyone's Lab item from the gradebook and the viva marks (nothing is written)."""
    root = Path(root)
    calendar = find_calendar(root)
    pipeline = Pipeline(root)
    weights = LabGrade(config=load_config(root)).weights(calendar)
    roster = roster_students(pipeline.db_url, pipeline.coursedir.course_id)
    scores: dict[tuple[str, str], tuple[float, float]] = {}
    points: dict[str, float] = {}
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        graded = []
        for assignment in gb.assignments:
            points[assignment.name] = float(assignment.max_score or 0.0)
            subs = list(assignment.submissions)
            if subs:
                graded.append(assignment.name)
            for sub in subs:
                net = max(0.0, float(sub.score or 0.0) - float(sub.late_submission_penalty or 0.0))
                scores[(assignment.name, sub.student.id)] = (net, points[assignment.name])
    if labs:
        unknown = sorted(set(labs) - set(graded))
        if unknown:
            raise ValueError(f"no graded submission of {', '.join(unknown)} in {root / 'gradebook.db'}")
        counted = list(labs)
    elif calendar:
        counted = sorted((lab for lab in graded if lab in calendar.labs), key=lambda lab: calendar.labs[lab].week)
    else:
        counted = sorted(graded, key=lab_order_key)
    vivas = current_vivas(root)
    present = {rnd for _, rnd in vivas}
    if calendar and calendar.viva_rounds:
        rounds = [r.id for r in calendar.viva_rounds if r.id in present]
        round_max = {r.id: r.max_marks for r in calendar.viva_rounds}
    else:
        rounds, round_max = sorted(present), {}
    for (_, rnd), v in vivas.items():
        round_max.setdefault(rnd, v.max_total)
    history = memberships(pipeline.db_url)
    out = []
    for s in roster:
        grade = StudentGrade(s.id, s.first_name, s.last_name, s.email, "", {}, {})
        if calendar and history.get(s.id):
            last_week = max((calendar.labs[lab].week for lab in calendar.labs), default=1)
            grade.session = session_in_week(history[s.id], last_week) or ""
        for lab in counted:
            grade.labs[lab] = scores.get((lab, s.id))
            if grade.labs[lab] is None:
                grade.notes.append(f"{lab}: no submission (0)")
        for rnd in rounds:
            grade.vivas[rnd] = vivas.get((s.id, rnd))
            if grade.vivas[rnd] is None:
                grade.notes.append(f"{rnd}: no viva (0)")
        if not rounds:
            grade.notes.append("no viva recorded yet: the viva part counts 0")
        lab_scores = [grade.labs[lab] or (0.0, points[lab]) for lab in counted]
        fractions = [grade.vivas[rnd].fraction if grade.vivas[rnd] else 0.0 for rnd in rounds]
        grade.code, grade.viva, grade.lab_item = LabGrade.combine(weights, lab_scores, fractions)
        out.append(grade)
    return CourseGrades(out, counted, {lab: points[lab] for lab in counted}, rounds, round_max, weights,
                        calendar.lms_lab_item if calendar else "Lab")


def _header(grades: CourseGrades) -> list[str]:
    w = grades.weights
    return (["id", "first_name", "last_name", "email", "session"]
            + [f"{lab} (/{grades.points[lab]:g})" for lab in grades.labs]
            + [f"{rnd} (/{grades.round_max.get(rnd, 0):g})" for rnd in grades.rounds]
            + ["code_percent", "viva_percent", f"lab_item (/{w.course_percent:g})", "notes"])


def _row(grades: CourseGrades, g: StudentGrade) -> list[str]:
    return ([g.id, g.first_name, g.last_name, g.email, g.session]
            + [f"{g.labs[lab][0]:.2f}" if g.labs[lab] else "0" for lab in grades.labs]
            + [f"{g.vivas[rnd].total:g}" if g.vivas[rnd] else "0" for rnd in grades.rounds]
            + [f"{100 * g.code:.2f}", f"{100 * g.viva:.2f}", f"{g.lab_item:.2f}", "; ".join(g.notes)])


def _previous(path: Path) -> dict[str, float]:
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        column = next((c for c in reader.fieldnames or [] if c.startswith("lab_item")), None)
        if column is None:
            return {}
        return {r["id"]: float(r[column]) for r in reader if r.get(column)}


def _feedback(grades: CourseGrades, g: StudentGrade) -> str:
    w = grades.weights
    text = (f"Lab {g.lab_item:.2f} of {w.course_percent:g}: code {100 * g.code:.1f} % over {len(grades.labs)} lab(s) "
            f"(after late penalties) x {w.code_percent:g} %, viva {100 * g.viva:.1f} % over {len(grades.rounds)} "
            f"round(s) x {w.viva_percent:g} %")
    return text + (f". Counted 0: {'; '.join(g.notes)}" if g.notes else "")


def write_course_grades(root: Path, labs: Optional[list[str]] = None, out: Optional[Path] = None) -> CourseGrades:
    """Compute and write the files of the module docstring; ``.changed`` lists what moved since the last export."""
    root = Path(root).resolve()
    out = Path(out) if out else root / "reports"
    grades = compute(root, labs)
    if not grades.students:
        raise ValueError(f"no students in {root / 'gradebook.db'}: import the roster first")
    before = _previous(out / "course-grades.csv")
    if before:
        for g in grades.students:
            old = before.get(g.id)
            if old is None or abs(old - round(g.lab_item, 2)) > 0.005:
                grades.changed.append((g.id, old, g.lab_item))
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "course-grades.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(_header(grades))
        for g in grades.students:
            w.writerow(_row(grades, g))
    calendar = find_calendar(root)
    item = GradeItem(grades.item_name, {g.id: round(g.lab_item, 2) for g in grades.students},
                     {g.id: _feedback(grades, g) for g in grades.students})
    students = roster_students(Pipeline(root).db_url, Pipeline(root).coursedir.course_id)
    write_lms_csv(out / "course-grades-lms.csv", students, [item], identifier_for(calendar, students))
    _chart(out / "course-grades.png", grades)
    (out / "course-grades.html").write_text(_page(grades), encoding="utf-8")
    return grades


def _chart(path: Path, grades: CourseGrades) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = grades.weights.course_percent
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([g.lab_item for g in grades.students], bins=min(20, max(5, len(grades.students))), range=(0, top),
            color="#4c72b0")
    ax.set(xlabel=f"Lab item (out of {top:g})", ylabel="students", title=f"Lab item (n={len(grades.students)})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _page(grades: CourseGrades) -> str:
    esc = html.escape
    w = grades.weights
    head = "".join(f"<th>{esc(h)}</th>" for h in _header(grades))
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in _row(grades, g)) + "</tr>" for g in grades.students)
    items = [g.lab_item for g in grades.students]
    mean = sum(items) / len(items)
    changed = "".join(f"<li>{esc(sid)}: {'new' if old is None else f'{old:.2f}'} → {now:.2f}</li>"
                      for sid, old, now in grades.changed)
    return f"""<!doctype html><html lang=en><head><meta charset="utf-8"><title>Lab item: course grades</title>
<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em}}</style></head><body>
<h1>Lab item ({w.course_percent:g} % of the course)</h1>
<p>{len(items)} students; mean {mean:.2f}, lowest {min(items):.2f}, highest {max(items):.2f} of {w.course_percent:g}.
Code {w.code_percent:g} % ({esc(w.lab_weights)} weights over {len(grades.labs)} lab(s), after late penalties),
viva {w.viva_percent:g} % ({len(grades.rounds)} round(s)). A missing lab or viva counts 0 and is noted.
Files: <a href="course-grades.csv">course-grades.csv</a>, <a href="course-grades-lms.csv">course-grades-lms.csv</a>
(LMS import).</p>
<img src="course-grades.png" alt="distribution of the Lab item">
{f"<h2>Changed since the last export</h2><ul>{changed}</ul>" if changed else ""}
<table><tr>{head}</tr>{body}</table></body></html>
"""


def print_course_grades(grades) -> None:
    from rich.console import Console
    from rich.table import Table

    w = grades.weights
    table = Table(title=f"Lab item: code {w.code_percent:g} % + viva {w.viva_percent:g} %, "
                        f"{w.course_percent:g} % of the course", title_justify="left")
    for col in ["student", "session"] + [lab.split("_")[0] for lab in grades.labs] + grades.rounds + \
            ["code %", "viva %", f"Lab /{w.course_percent:g}", "notes"]:
        table.add_column(col, overflow="fold")
    for g in grades.students:
        table.add_row(g.id, g.session, *[f"{g.labs[lab][0]:.2f}" if g.labs[lab] else "0" for lab in grades.labs],
                      *[f"{g.vivas[r].total:g}/{g.vivas[r].max_total:g}" if g.vivas[r] else "0" for r in grades.rounds],
                      f"{100 * g.code:.1f}", f"{100 * g.viva:.1f}", f"{g.lab_item:.2f}", "; ".join(g.notes))
    Console().print(table)
    if grades.changed:
        print("changed since the last export (re-upload these): " + ", ".join(
            f"{sid} {'new' if old is None else f'{old:.2f}'} -> {now:.2f}" for sid, old, now in grades.changed))
