"""Plain ``nbgrader autograde`` and ``dlcourse grade`` compute the same lateness from the calendar, and
viva marks survive a regrade. One small run: lab 1's reference by a Tuesday and a Thursday student who
upload at the same instant, autograded once by plain nbgrader, then regraded by ``dlcourse grade --force``."""
from __future__ import annotations

import csv
import shutil

import pytest

from autograder.cohort.grade import run_grade
from autograder.cohort.roster import import_roster
from autograder.course import REPO, nbgrader, notebook_path, scratch_course
from autograder.course.submissions import build_submission, solution_code
from autograder.viva.marks import VivaEntry, current_vivas, record_vivas
from autograder.workflows.release import regenerate_release
from tests.cohort.calendar_course import LAB1, lateness

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("calendar_grading")]
# Saturday 11 January 2025, 10:00 IST: 10 h after the Tuesday session's lab-1 deadline, 38 h before Thursday's.
UPLOAD = "2025-01-11 04:30:00.000000 UTC"
STUDENTS = {"tina": "tue", "thea": "thu"}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = scratch_course(tmp_path_factory.mktemp("late") / "course")
    shutil.copy(REPO / "calendar.yaml", root / "calendar.yaml")
    regenerate_release([LAB1], root=root, quiet=True, refresh_viva=False)
    with open(root / "students.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "email", "session"])
        for sid, session in STUDENTS.items():
            w.writerow([sid, f"{sid}@uni.example", session])
    import_roster(root, root / "students.csv")
    for student in STUDENTS:
        dest = build_submission(notebook_path(root, "release", LAB1), notebook_path(root, "submitted", LAB1, student),
                                solution_code(LAB1))
        (dest.parent / "timestamp.txt").write_text(UPLOAD + "\n")
    nbgrader("autograde", LAB1, root=root)  # plain nbgrader: ApplyCalendar and LatePenalty from nbgrader_config.py
    plain = {s: lateness(root, LAB1, s) for s in STUDENTS}
    record_vivas(root, [VivaEntry("tina", [LAB1], "2025-02-11", "A. Paul", total=7)], by="examiner")
    run_grade(root, [LAB1], workers=1, force=True, progress=False)
    ours = {s: lateness(root, LAB1, s) for s in STUDENTS}
    return root, plain, ours


def test_plain_nbgrader_and_dlcourse_grade_compute_the_same_lateness(graded):
    root, plain, ours = graded
    assert plain == ours
    seconds, penalty, extension = plain["tina"]
    # Tuesday's deadline: Friday 10 January 24:00 IST. 10 h late is one started day: 10 % of the reference's 28 points.
    assert (seconds, penalty, extension) == (10 * 3600, pytest.approx(2.8), None)
    assert plain["thea"][:2] == (0.0, 0.0) and plain["thea"][2].days == 2  # Thursday: two days later, on time


def test_viva_marks_survive_a_regrade(graded):
    root, _, _ = graded
    viva = current_vivas(root)[("tina", "viva1")]
    assert (viva.total, viva.max_total, viva.examiner) == (7.0, 10.0, "A. Paul")


def test_the_feedback_says_when_it_was_due_and_how_late_it_came(graded):
    import html
    import re

    from autograder.cohort.feedback import write_feedback

    root, _, _ = graded
    files, withheld = write_feedback(root, LAB1, ["tina"])
    assert not withheld
    text = html.unescape(re.sub(r"<[^>]+>", "", files[0].read_text()))
    assert "Due: Fri 10 Jan 2025 24:00 IST · submitted: Sat 11 Jan 2025 10:00 IST" in text
    assert "10.0 hours late: late penalty 2.80 points" in text
