"""``dlcourse report LAB``: what a TA hands on after grading, from the gradebook.

Writes into ``<course>/reports/<lab>/``:

* ``grades.csv``: nbgrader's own ``export`` of this lab (every roster student; ``raw_score``,
  ``late_submission_penalty`` and ``score`` after it);
* ``lms_grades.csv``: this lab for the LMS grade import, through the one exporter
  (:mod:`autograder.cohort.lms_export`): every roster student, the identifier Moodle matches, the score
  after the late penalty in the lab's grade item and a feedback column (0 and "no submission" for a
  student who handed nothing in);
* ``questions.csv``: per graded cell, points, mean score and the share of students with full marks;
* ``histogram.png`` (total scores) and ``questions.png`` (mean score per question, as a fraction);
* ``misconceptions.csv`` and ``misconceptions.png``: how many students show each misconception diagnosed
  while grading (:mod:`autograder.cohort.misconceptions`);
* ``index.html``: one page holding all of the above, with the grading outcomes of ``dlcourse grade``;
* ``students.html``: every roster student x every graded function, sortable and filterable, with a
  note for every score below full and links to case messages, feedback and the autograded notebook
  (:mod:`autograder.cohort.report_table`).
"""
from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.cohort.misconceptions import html_section as misconceptions_html
from autograder.cohort.misconceptions import lab_misconceptions
from autograder.cohort.misconceptions import write_files as write_misconceptions
from autograder.cohort.lms_export import GradeItem, identifier_for, roster_students, write_lms_csv
from autograder.cohort.pipeline import Pipeline
from autograder.cohort.report_table import write_students_page
from autograder.course import nbgrader, pages
from autograder.course.schedule import find_calendar, from_gradebook


def lab_scores(root: Path, lab: str) -> tuple[list[dict], list[str], dict[str, float]]:
    """``(rows, questions, max points per question)``; a row: student fields, total, per-question scores."""
    pipeline = Pipeline(root)
    rows, questions, points = [], [], {}
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        assignment = gb.find_assignment(lab)
        for nb in assignment.notebooks:
            for cell in nb.grade_cells:
                questions.append(cell.name)
                points[cell.name] = float(cell.max_score)
        for sub in gb.assignment_submissions(lab):
            student = sub.student
            per = {}
            for snb in sub.notebooks:
                for grade in snb.grades:
                    per[grade.name] = float(grade.score)
            rows.append({"id": student.id, "first_name": student.first_name or "", "last_name": student.last_name or "",
                         "email": student.email or "", "score": float(sub.score), "max_score": float(sub.max_score),
                         "late_penalty": float(sub.late_submission_penalty or 0), "per_question": per,
                         "duedate": from_gradebook(sub.duedate), "timestamp": from_gradebook(sub.timestamp),
                         "hours_late": float(sub.total_seconds_late or 0) / 3600})
    rows.sort(key=lambda r: r["id"])
    return rows, questions, points


def roster_names(root: Path) -> list[tuple[str, str]]:
    """``(id, "First Last")`` of every student in the gradebook (the roster)."""
    pipeline = Pipeline(root)
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb:
        return sorted((s.id, f"{s.first_name or ''} {s.last_name or ''}".strip()) for s in gb.students)


def _charts(out: Path, rows: list[dict], questions: list[str], points: dict[str, float], lab: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    max_score = max((r["max_score"] for r in rows), default=1.0) or 1.0
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([r["score"] for r in rows], bins=min(20, max(5, len(rows))), range=(0, max_score), color="#4c72b0")
    ax.set(xlabel=f"score (out of {max_score:g})", ylabel="students", title=f"{lab}: total scores (n={len(rows)})")
    fig.tight_layout()
    fig.savefig(out / "histogram.png", dpi=110)
    plt.close(fig)

    means = [sum(r["per_question"].get(q, 0.0) for r in rows) / (len(rows) * points[q]) if rows and points[q] else 0.0
             for q in questions]
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(questions) + 1.2))
    ax.barh(range(len(questions)), means, color="#55a868")
    ax.set_yticks(range(len(questions)), [q.removeprefix("test_") for q in questions], fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="mean score / points", title=f"{lab}: per question")
    fig.tight_layout()
    fig.savefig(out / "questions.png", dpi=110)
    plt.close(fig)


def write_report(root: Path, lab: str, out: Path | None = None) -> Path:
    """Write the report files for ``lab``; returns the path of ``index.html``."""
    from autograder.cohort.preflight import require_gradebook

    root = Path(root).resolve()
    require_gradebook(root, f"report {lab}", lab, graded=True)
    out = Path(out) if out else root / "reports" / lab
    out.mkdir(parents=True, exist_ok=True)
    rows, questions, points = lab_scores(root, lab)
    if not rows:
        raise SystemExit(f"no graded submission of {lab} in {root}: run `dlcourse grade {lab}` first")
    nbgrader("export", f"--to={out / 'grades.csv'}", f"--ExportPlugin.assignment=['{lab}']", root=root)
    calendar = find_calendar(root)
    show = calendar.local if calendar else (lambda when: f"{when:%Y-%m-%d %H:%M} UTC" if when else "(none)")
    pipeline = Pipeline(root)
    roster = roster_students(pipeline.db_url, pipeline.coursedir.course_id)
    item = GradeItem(calendar.lms_item(lab) if calendar else lab)
    by_id = {r["id"]: r for r in rows}
    for student in roster:
        r = by_id.get(student.id)
        if r is None:
            item.grades[student.id], item.feedback[student.id] = 0.0, f"no submission of {lab}: 0"
            continue
        net = max(0.0, r["score"] - r["late_penalty"])
        item.grades[student.id] = net
        text = f"{net:.2f} of {r['max_score']:g} points"
        if r["late_penalty"] or r["hours_late"] > 0:
            text += f"; {r['hours_late']:.1f} h late, late penalty {r['late_penalty']:.2f}"
        item.feedback[student.id] = text
    write_lms_csv(out / "lms_grades.csv", roster, [item], identifier_for(calendar, roster))

    stats = []
    for q in questions:
        scores = [r["per_question"].get(q, 0.0) for r in rows]
        full = sum(1 for s in scores if s >= points[q] - 1e-9)
        stats.append({"question": q, "points": points[q], "mean": sum(scores) / len(scores),
                      "full_marks_rate": full / len(scores)})
    with open(out / "questions.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["question", "points", "mean", "full_marks_rate"])
        w.writeheader()
        for s in stats:
            w.writerow({**s, "mean": f"{s['mean']:.3f}", "full_marks_rate": f"{s['full_marks_rate']:.3f}"})
    _charts(out, rows, questions, points, lab)

    state_path = root / ".dlcourse" / f"{lab}.json"
    outcomes = json.loads(state_path.read_text()) if state_path.is_file() else {}
    notes = {row.id: row.notes for row in write_students_page(root, lab, out, rows, questions, points, outcomes,
                                                               roster_names(root))}
    misconceptions = lab_misconceptions(root, lab, [r["id"] for r in rows])
    write_misconceptions(out, lab, misconceptions, len(rows))
    esc = html.escape
    student_rows = "".join(
        f"<tr><td>{esc(r['id'])}</td><td>{esc((r['first_name'] + ' ' + r['last_name']).strip())}</td>"
        f"<td class=n>{r['score']:.2f} / {r['max_score']:g}</td>"
        f"<td>{esc(show(r['duedate']) if r['duedate'] else 'no due date')}</td>"
        f"<td>{esc(show(r['timestamp']) if r['timestamp'] else '')}</td>"
        f"<td class=n>{r['hours_late']:.1f}</td><td class=n>{r['late_penalty']:.2f}</td>"
        f"<td>{esc('; '.join(notes.get(r['id'], [])))}</td></tr>" for r in rows)
    student_rows += "".join(
        f"<tr><td>{esc(s.id)}</td><td>{esc((s.first_name + ' ' + s.last_name).strip())}</td>"
        f"<td class=n>0 (no submission)</td><td></td><td></td><td></td><td></td><td></td></tr>"
        for s in roster if s.id not in by_id)
    question_rows = "".join(
        f"<tr><td>{esc(s['question'])}</td><td class=n>{s['points']:g}</td><td class=n>{s['mean']:.2f}</td>"
        f"<td class=n>{100 * s['full_marks_rate']:.0f}%</td></tr>" for s in stats)
    mean_total = sum(r["score"] for r in rows) / len(rows)
    page = f"""<!doctype html><html><head><meta charset="utf-8">{pages.csp_meta(images="'self' data:")}<title>{esc(lab)} report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em}}td.n{{text-align:right}}</style></head><body>
<h1>{esc(lab)}: grading report</h1>
<p>{len(rows)} submissions graded; mean {mean_total:.2f} / {rows[0]['max_score']:g}.
Scores are before the late penalty, which is its own column (the CSVs' scores are after it).
<a href="students.html"><strong>Every student x every function</strong></a> (sortable, filterable, with notes
and case messages). Files: <a href="grades.csv">grades.csv</a> (nbgrader export), <a href="lms_grades.csv">lms_grades.csv</a>
(LMS import, after penalties), <a href="questions.csv">questions.csv</a>.</p>
<img src="histogram.png" alt="score histogram"> <img src="questions.png" alt="per-question means">
<h2>Per question</h2><table><tr><th>question</th><th>points</th><th>mean</th><th>full marks</th></tr>{question_rows}</table>
{misconceptions_html(misconceptions, len(rows))}
<h2>Per student</h2><table><tr><th>id</th><th>name</th><th>score</th><th>due</th><th>submitted</th>
<th>hours late</th><th>late penalty</th><th>grading notes</th></tr>{student_rows}</table>
</body></html>"""
    (out / "index.html").write_text(page)
    return out / "index.html"
