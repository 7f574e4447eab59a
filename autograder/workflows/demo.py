"""``make demo``: release the labs, collect and grade an example cohort with the TA's commands, print the table.

The cohort (built fresh in a scratch course root, ``build/demo`` by default) has one student per
kind of submission a TA meets:

=========  ==================================================================
ada        every solution correct
ben        the release handed in unchanged
cam        the first half of each lab's solution cells done, the rest stubs
dee        plausible bugs (the catalogue's mutants) in a few functions
eve        a solution cell that loops forever in lab 2 (interrupted by the per-cell timeout)
fay        a corrupt notebook file for lab 3 (truncated JSON)
=========  ==================================================================

The students are spread over the three lab sessions of the course calendar (the repository's
``calendar.yaml``, copied into the demo's course root): ada and ben on Tuesday, cam and dee on Wednesday,
eve and fay on Thursday. Each uploads a day after their lab, except: ada hands lab 1 in on the Saturday
after it, 10:00, late for the Tuesday session (a late penalty); eve uploads at the same instant, on time
only because her session is Thursday; dee hands lab 2 in 30 h late and is then granted an extension,
which takes her penalty away without running anything again.

The run goes the way a TA's does: ``dlcourse calendar``, ``dlcourse roster import`` (with sessions),
``dlcourse collect`` of one Moodle-style zip per lab, ``dlcourse grade`` on a Dask LocalCluster,
``dlcourse report`` and ``dlcourse feedback``, ``dlcourse extend``, ``dlcourse viva mark`` for two
students, ``dlcourse course-grades``, then plain ``nbgrader export``. A submission that cannot be graded
gets 0 and a reason, and never stops the run.
"""
from __future__ import annotations

import csv
import shutil
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import nbformat

from autograder.course import REPO, labs, nbgrader, notebook_path, scratch_course
from autograder.cohort.gradebook import cell_scores
from autograder.grading import catalogue
from autograder.workflows.release import regenerate_release
from autograder.course.submissions import build_submission, solution_code

STUDENTS = ["ada", "ben", "cam", "dee", "eve", "fay"]
#: The demo grades the four NumPy labs by default (about 4 minutes on 2 cores); the PyTorch labs
#: train models in every submission and can be added with ``dlcourse demo --labs``.
DEFAULT_LABS = ["lab01_neurons_losses", "lab02_backprop", "lab03_optimizers", "lab04_regularization_init"]
LOOPING = ("eve", "lab02_backprop")
CORRUPT = ("fay", "lab03_optimizers")
INFINITE_LOOP = "while True:  # the student's unfinished loop\n    pass\n"


def cohort_fills(lab: str) -> dict[str, dict[str, str]]:
    """``{student: {solution cell id: code}}`` for every student but the corrupt one."""
    reference = solution_code(lab)
    names = list(reference)
    fills = {
        "ada": dict(reference),
        "ben": {},
        "cam": {n: reference[n] for n in names[: len(names) // 2]},
        "dee": dict(reference),
        "eve": dict(reference),
        "fay": dict(reference),
    }
    table = catalogue.mutants(lab)  # the same bugs the test suite uses
    for function, bug in catalogue.notebook_sample(lab):
        fills["dee"][function] = table[function][bug].source
    if lab == LOOPING[1]:
        fills["eve"][names[0]] = INFINITE_LOOP + reference[names[0]]
    return fills


def build_cohort(root: Path, lab_ids: list[str]) -> None:
    for lab in lab_ids:
        release = notebook_path(root, "release", lab)
        for student, fills in cohort_fills(lab).items():
            dest = build_submission(release, notebook_path(root, "submitted", lab, student), fills)
            (dest.parent / "timestamp.txt").write_text("2026-11-20 17:00:00.000000 UTC\n")
            if (student, lab) == CORRUPT:
                text = dest.read_text()
                dest.write_text(text[: len(text) // 3])  # an upload cut short


def reasons(root: Path, lab: str, student: str, scores: dict | None) -> list[str]:
    """Why a submission lost marks wholesale: unreadable file, timed-out or failing cells."""
    submitted = notebook_path(root, "submitted", lab, student)
    try:
        nbformat.read(submitted, as_version=4)
    except Exception as exc:
        return [f"notebook file is corrupt ({type(exc).__name__}: {str(exc).split(':')[0]}); not graded"]
    if scores is None:
        return ["nbgrader could not grade the submission (see its log)"]
    if not notebook_path(root, "autograded", lab, student).is_file():
        return ["nothing could be run; graded 0"]
    out = []
    graded = nbformat.read(notebook_path(root, "autograded", lab, student), as_version=4)
    for i, cell in enumerate(graded.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == "CellTimeoutError":
                cid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i}")
                out.append(f"'{cid}' timed out and was interrupted")
    lost = [c for c, (s, m) in scores.items() if s < m]
    if lost and len(lost) < len(scores):
        out.append(f"lost points on {', '.join(c.removeprefix('test_') for c in lost[:4])}"
                   + (f" and {len(lost) - 4} more" if len(lost) > 4 else ""))
    elif lost:
        out.append("no test passed")
    return out


#: The demo's class list (ids are the folder names under submitted/) and each student's lab session.
ROSTER = [("ada", "Ada", "Lovelace"), ("ben", "Ben", "Okafor"), ("cam", "Cam", "Duarte"),
          ("dee", "Dee", "Ng"), ("eve", "Eve", "Moreau"), ("fay", "Fay", "Haddad")]
SESSIONS = {"ada": "tue", "ben": "tue", "cam": "wed", "dee": "wed", "eve": "thu", "fay": "thu"}
#: Saturday of the lab's week, 10:00 (term zone): late for Tuesday's session, on time for Thursday's.
SAME_INSTANT = {("ada", "lab01_neurons_losses"), ("eve", "lab01_neurons_losses")}
LATE_THEN_EXTENDED = ("dee", "lab02_backprop", 30)       # hours after her deadline; then `dlcourse extend`
VIVAS = {"ada": {"marks": [2, 2, 1, 2, 2]}, "dee": {"total": 6}}


def write_roster(root: Path) -> Path:
    path = root / "students.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "first_name", "last_name", "email", "session"])
        for sid, first, last in ROSTER:
            w.writerow([sid, first, last, f"{sid}@uni.example", SESSIONS[sid]])
    return path


def upload_time(calendar, lab: str, student: str) -> datetime:
    """When the demo's ``student`` uploads ``lab`` (aware, term zone)."""
    session = SESSIONS[student]
    if (student, lab) in SAME_INSTANT:
        saturday = calendar.week_start(calendar.labs[lab].week) + timedelta(days=5)
        return datetime.combine(saturday, datetime.min.time(), calendar.zone).replace(hour=10)
    if (student, lab) == LATE_THEN_EXTENDED[:2]:
        return calendar.deadline(lab, session) + timedelta(hours=LATE_THEN_EXTENDED[2])
    return calendar.lab_end(lab, session) + timedelta(days=1, hours=3)


def build_lms_archive(root: Path, lab: str, dest: Path) -> Path:
    """The cohort's notebooks for ``lab`` as a Moodle "Download all submissions" zip at ``dest``; each
    entry's date is the upload time, in the LMS's zone, as Moodle writes it."""
    import zipfile

    from autograder.course.schedule import find_calendar

    calendar = find_calendar(root)

    staging = root / "lms" / lab
    build_cohort_into(root, lab, staging)
    names = {sid: f"{first} {last}" for sid, first, last in ROSTER}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        for k, student in enumerate(STUDENTS):
            nb = staging / student / f"{lab}.ipynb"
            when = upload_time(calendar, lab, student).astimezone(calendar.lms_zone) if calendar else \
                datetime(2026, 11, 20, 17, 0, 0)
            info = zipfile.ZipInfo(f"{names[student]}_{1000 + k}_assignsubmission_file_/{lab}.ipynb",
                                   date_time=when.timetuple()[:6])
            zf.writestr(info, nb.read_bytes())
    return dest


def build_cohort_into(root: Path, lab: str, folder: Path) -> None:
    release = notebook_path(root, "release", lab)
    for student, fills in cohort_fills(lab).items():
        dest = build_submission(release, folder / student / f"{lab}.ipynb", fills)
        if (student, lab) == CORRUPT:
            text = dest.read_text()
            dest.write_text(text[: len(text) // 3])  # an upload cut short


def run_demo(out: str = "build/demo", lab_ids: list[str] | None = None, workers: int = 2) -> int:
    """Calendar, release, roster with sessions, an LMS download per lab, grade on Dask, report, feedback,
    an extension, viva marks, the Lab item, the table."""
    from autograder.cohort.collect import collect
    from autograder.cohort.duedates import grant_extension
    from autograder.cohort.feedback import write_feedback
    from autograder.cohort.feedback_zip import write_lab_feedback_zip
    from autograder.cohort.grade import run_grade
    from autograder.cohort.report import write_report
    from autograder.cohort.roster import import_roster
    from autograder.course.schedule import CALENDAR_FILE, load_calendar
    from autograder.viva.marks import VivaEntry, record_vivas
    from autograder.workflows.calendar_command import run_calendar
    from autograder.workflows.course_grades import print_course_grades, write_course_grades

    root = (REPO / out).resolve() if not Path(out).is_absolute() else Path(out)
    if root.exists():
        shutil.rmtree(root)
    scratch_course(root)
    all_labs = labs()
    lab_ids = lab_ids or [lab for lab in DEFAULT_LABS if lab in all_labs]
    unknown = sorted(set(lab_ids) - set(all_labs))
    if unknown:
        raise SystemExit(f"unknown lab(s) {unknown}; labs in source/: {all_labs}")
    print(f"1/9 dlcourse calendar --ics: the term's schedule ({CALENDAR_FILE} copied from the repository)")
    shutil.copy(REPO / CALENDAR_FILE, root / CALENDAR_FILE)
    calendar = load_calendar(root)
    run_calendar(root, ics=root / "schedule", want_ics=True)
    # The demo's own release/ (never the repository's: a TA's edited source/ would rewrite it), of the
    # labs it grades only, from the committed source/ as it is (viva-prep pages included).
    print(f"2/9 nbgrader generate_assignment into {root / 'release'} ({len(lab_ids)} labs; due dates from the calendar)")
    regenerate_release(lab_ids, root=root, quiet=True, refresh_viva=False)
    print("3/9 dlcourse roster import students.csv (with a session column)")
    created, _ = import_roster(root, write_roster(root), by="demo")
    print(f"    {created} students: " + ", ".join(f"{s} {SESSIONS[s]}" for s in STUDENTS))
    print(f"4/9 dlcourse collect: one Moodle-style zip per lab ({', '.join(lab_ids)})")
    for lab in lab_ids:
        rows = collect(root, lab, build_lms_archive(root, lab, root / "lms" / f"{lab}.zip"))
        print(f"    {lab}: {sum(r.outcome.startswith('imported') for r in rows)} imported, "
              f"{sum(not r.outcome.startswith('imported') for r in rows)} kept aside")
    print(f"5/9 dlcourse grade --workers {workers} (Dask LocalCluster; one kernel per submission)")
    t0 = time.perf_counter()
    run_grade(root, lab_ids, workers=workers, progress=True)  # a bar in a terminal, lines in a log
    print(f"    graded in {time.perf_counter() - t0:.0f} s")
    student, lab, hours = LATE_THEN_EXTENDED
    if lab in lab_ids:
        print(f"6/9 dlcourse extend {student} {lab} --days 2 --reason 'medical certificate' (no notebook runs again)")
        due, applied = grant_extension(root, student, lab, days=2, reason="medical certificate", by="demo")
        for lab_, who, old, new in applied.penalties:
            print(f"    {who} {lab_}: late penalty {old:.2f} -> {new:.2f} (now due {calendar.local(due.due)})")
    else:
        print(f"6/9 (no extension: {lab} is not graded in this run)")
    print("7/9 dlcourse report and dlcourse feedback")
    for lab in lab_ids:
        page = write_report(root, lab)
        files, _ = write_feedback(root, lab)
        moodle = write_lab_feedback_zip(root, lab)  # what `dlcourse feedback` writes for Moodle's upload
        print(f"    {lab}: {page.relative_to(root)}, {len(files)} feedback pages, "
              f"{moodle.path.relative_to(root)} ({len(moodle.included)} for Moodle's feedback upload)")
    viva_round = calendar.round_of(lab_ids[:1])
    viva_labs = [lab for lab in lab_ids if calendar.round_of([lab]) == viva_round]
    print(f"8/9 dlcourse viva mark for {' and '.join(VIVAS)} (labs {', '.join(viva_labs)})")
    stored = record_vivas(root, [VivaEntry(sid, viva_labs, f"{calendar.week_start(viva_round.week) + timedelta(days=1):%Y-%m-%d}", "A. Paul",
                                           given.get("marks"), given.get("total"), comment="demo viva")
                                 for sid, given in VIVAS.items()], by="demo")
    for v in stored:
        print(f"    {v.student} {v.round}: {v.total:g}/{v.max_total:g}")
    print("9/9 dlcourse course-grades, and plain nbgrader export")
    grades = write_course_grades(root)
    nbgrader("export", f"--to={root / 'grades.csv'}", root=root)
    print_table(root, lab_ids)
    print_lateness(root, lab_ids, calendar)
    print()
    print_course_grades(grades)
    print(f"reports/course-grades.csv (Lab item), course-grades-lms.csv (LMS import): {root / 'reports'}")
    return 0


def print_lateness(root: Path, lab_ids: list[str], calendar) -> None:
    """Who was late, for which session's deadline, with what penalty (from nbgrader's gradebook)."""
    from nbgrader.api import Gradebook

    from autograder.cohort.gradebook import db_url

    print("\nDue dates per session (nbgrader duedate + extension):")
    with Gradebook(db_url(root)) as gb:
        for lab in lab_ids:
            for sub in sorted(gb.assignment_submissions(lab), key=lambda x: x.student.id):
                if (sub.student.id, lab) in SAME_INSTANT or (sub.student.id, lab) == LATE_THEN_EXTENDED[:2]:
                    state = (f"{sub.total_seconds_late / 3600:.1f} h late, penalty {sub.late_submission_penalty or 0:.2f}"
                             if sub.total_seconds_late > 0 else "on time")
                    print(f"  {sub.student.id} ({SESSIONS[sub.student.id]}) {lab}: submitted "
                          f"{calendar.local(sub.timestamp)}, due {calendar.local(sub.duedate)}: {state}")


def print_table(root: Path, lab_ids: list[str]) -> None:
    rows = list(csv.DictReader(open(root / "grades.csv")))
    exported = {(r["student_id"], r["assignment"]): (float(r["score"]), float(r["max_score"])) for r in rows}
    short = [lab.split("_")[0] for lab in lab_ids]
    print()
    print(f"{'student':<9}" + "".join(f"{s:>13}" for s in short) + f"{'total':>13}")
    notes = []
    for student in STUDENTS:
        line, total, maximum = f"{student:<9}", 0.0, 0.0
        for lab in lab_ids:
            score, max_score = exported.get((student, lab), (0.0, 0.0))
            total, maximum = total + score, maximum + max_score
            line += f"{score:>7.2f}/{max_score:<5g}"
            for why in reasons(root, lab, student, cell_scores(root, lab, student)):
                notes.append(f"  {student} {lab}: {why}")
        print(line + f"{total:>7.2f}/{maximum:<5g}")
    print()
    print("Reasons:")
    print("\n".join(notes) if notes else "  (none)")
    print(f"\ngrades.csv (nbgrader export: raw_score, late_submission_penalty, score after it): {root / 'grades.csv'}")
