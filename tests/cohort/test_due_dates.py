"""Due dates per session, extensions and late penalties in nbgrader's gradebook, from the calendar;
the roster's sessions; LMS time zones; the per-lab CSVs. The gradebook is filled through nbgrader's API:
no notebook runs (each test costs well under a second, the report test a few)."""
from __future__ import annotations

import csv
import zipfile
from datetime import datetime, timedelta

import pytest
from nbgrader.api import Gradebook
from traitlets.config import Config

from autograder.cohort.duedates import apply_calendar, grant_extension, recompute_penalties
from autograder.cohort.gradebook import db_url
from autograder.cohort.late_policy import LatePenalty, penalty_for
from autograder.cohort.lms_export import GradeItem, LmsExportError, RosterStudent, write_lms_csv
from autograder.cohort.roster import RosterError, import_roster, memberships, move_student
from autograder.course.extensions import ExtensionError
from autograder.course.schedule import LatePolicyValues
from tests.cohort.calendar_course import LAB1, LAB2, SATURDAY_10_IST, copy_course, lateness, make_course, submit

HOUR = 3600.0


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("calendar") / "course", {"tina": "tue", "walt": "wed", "thea": "thu"})


@pytest.fixture
def course(template, tmp_path):
    return copy_course(template, tmp_path / "course")


def test_a_tuesday_and_a_thursday_student_submitting_at_the_same_instant(course):
    submit(course, LAB1, "tina", SATURDAY_10_IST, 20)
    submit(course, LAB1, "thea", SATURDAY_10_IST, 20)
    apply_calendar(course)
    # Tuesday's deadline is Friday 10 Jan 24:00 IST = 18:30 UTC: Saturday 10:00 IST (04:30 UTC) is 10 h late,
    # one started day: 10 % of 20 points. Thursday's is Sunday 12 Jan 24:00 IST: on time.
    assert lateness(course, LAB1, "tina") == (10 * HOUR, 2.0, None)
    assert lateness(course, LAB1, "thea") == (0.0, 0.0, timedelta(days=2))
    with Gradebook(db_url(course)) as gb:  # the assignment's due date is the earliest session's
        assert gb.find_assignment(LAB1).duedate == datetime(2025, 1, 10, 18, 30)


def test_an_extension_removes_the_penalty_without_running_anything(course):
    submit(course, LAB1, "tina", SATURDAY_10_IST, 20)
    apply_calendar(course)
    assert lateness(course, LAB1, "tina")[1] == 2.0
    due, applied = grant_extension(course, "tina", LAB1, days=1, reason="medical certificate", by="ta1")
    assert lateness(course, LAB1, "tina") == (0.0, 0.0, timedelta(days=1))
    assert applied.penalties == [(LAB1, "tina", 2.0, 0.0)]
    rows = list(csv.DictReader(open(course / "extensions.csv")))
    assert [(r["student"], r["lab"], r["days"], r["reason"], r["granted_by"]) for r in rows] == \
           [("tina", LAB1, "1", "medical certificate", "ta1")]
    # --until: the end of Saturday 11 January (18:30 UTC); then --days 0 takes the extension back.
    grant_extension(course, "tina", LAB1, until="2025-01-11", reason="moved", by="ta1")
    assert lateness(course, LAB1, "tina") == (0.0, 0.0, timedelta(days=1))
    grant_extension(course, "tina", LAB1, days=0, reason="certificate withdrawn", by="ta1")
    assert lateness(course, LAB1, "tina") == (10 * HOUR, 2.0, None)
    assert not (course / "autograded").exists()  # nothing was executed


def test_a_stale_penalty_goes_when_the_submission_is_no_longer_late(course):
    """nbgrader issue #723: a penalty stays until the next autograde. Here a changed due date recomputes it."""
    submit(course, LAB1, "tina", SATURDAY_10_IST, 20)
    apply_calendar(course)
    assert lateness(course, LAB1, "tina")[1] == 2.0
    text = (course / "calendar.yaml").read_text()
    (course / "calendar.yaml").write_text(text.replace("days_after_lab: 3", "days_after_lab: 4"))
    apply_calendar(course)
    assert lateness(course, LAB1, "tina") == (0.0, 0.0, None)


def test_moving_a_student_from_a_week_on(course):
    submit(course, LAB1, "thea", SATURDAY_10_IST, 20)
    # Thea moves to Tuesday from week 2: lab 1 (week 1) keeps her Thursday deadline...
    move_student(course, "thea", "tue", 2, "timetable clash", by="ta1")
    apply_calendar(course)
    assert lateness(course, LAB1, "thea")[0] == 0.0
    # ...lab 2 (week 2) is due Friday 17 January 24:00 IST for her: Saturday 18th 10:00 IST is 10 h late.
    submit(course, LAB2, "thea", SATURDAY_10_IST + timedelta(days=7), 10)
    apply_calendar(course)
    assert lateness(course, LAB2, "thea") == (10 * HOUR, 1.0, None)
    assert memberships(db_url(course))["thea"] == [(1, "thu"), (2, "tue")]
    # A correction from week 1 on moves lab 1 too.
    move_student(course, "thea", "tue", 1, "was always Tuesday", by="ta1")
    apply_calendar(course)
    assert lateness(course, LAB1, "thea") == (10 * HOUR, 2.0, None)


def _snapshot(course):
    ext = (course / "extensions.csv").read_bytes() if (course / "extensions.csv").exists() else None
    with Gradebook(db_url(course)) as gb:
        subs = {(s.assignment.name, s.student.id): (s.extension, [n.late_submission_penalty for n in s.notebooks])
                for a in gb.assignments for s in a.submissions}
        students = sorted(s.id for s in gb.students)
    return ext, subs, students, memberships(db_url(course))


@pytest.mark.parametrize("kwargs, message", [
    (dict(student="zed", lab=LAB1, days=1, reason="x"), "unknown student 'zed'"),
    (dict(student="tina", lab="lab99_x", days=1, reason="x"), "unknown lab 'lab99_x'"),
    (dict(student="tina", lab=LAB1, days=-1, reason="x"), "must not be negative"),
    (dict(student="tina", lab=LAB1, days=1, reason=" "), "needs --reason"),
    (dict(student="tina", lab=LAB1, reason="x"), "--days N or --until DATE"),
    (dict(student="tina", lab=LAB1, days=1, until="2025-01-20", reason="x"), "--days N or --until DATE"),
    (dict(student="tina", lab=LAB1, until="2025-01-09", reason="x"), "is not after tina's deadline"),
    (dict(student="tina", lab=LAB1, until="next week", reason="x"), "not a date"),
])
def test_a_bad_extension_is_refused_and_nothing_is_written(course, kwargs, message):
    submit(course, LAB1, "tina", SATURDAY_10_IST, 20)
    apply_calendar(course)
    before = _snapshot(course)
    student, lab = kwargs.pop("student"), kwargs.pop("lab")
    with pytest.raises(ExtensionError, match=message):
        grant_extension(course, student, lab, by="ta1", **kwargs)
    assert _snapshot(course) == before


@pytest.mark.parametrize("rows, message", [
    ([["id", "session"], ["ann", "fri"]], r"students.csv:2: ann: unknown session 'fri' \(sessions: tue, wed, thu\)"),
    ([["id", "session"], ["ann", ""]], r"students.csv:2: ann has no session"),
    ([["id", "session"], ["ann", "tue;thu"]], r"students.csv:2: ann is in two sessions \('tue;thu'\)"),
    ([["id", "session"], ["ann", "tue"], ["bob", "wed"], ["ann", "thu"]],
     r"students.csv:4: ann is in two sessions: tue \(line 2\) and thu"),
    ([["id"], ["ann"]], r"the roster needs a 'session' column"),
    ([["id", "session"], ["ann", "tue"], ["tina", "thu"]],
     r"students.csv:3: tina is in session tue \(since week 1\), the roster says thu: .*dlcourse roster move"),
])
def test_a_bad_roster_is_refused_naming_the_row_and_nothing_is_written(course, rows, message):
    before = _snapshot(course)
    path = course / "students.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(RosterError, match=message):
        import_roster(course, path)
    assert _snapshot(course) == before


def test_a_session_column_without_a_calendar_and_a_bad_move_are_refused(course, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "r.csv").write_text("id,session\nann,tue\n")
    with pytest.raises(RosterError, match="needs the course calendar"):
        import_roster(bare, bare / "r.csv")
    before = _snapshot(course)
    for args, message in [(("zed", "tue", 2, "x"), "unknown student 'zed'"), (("tina", "fri", 2, "x"), "unknown session"),
                          (("tina", "wed", 0, "x"), "at least 1"), (("tina", "wed", 2, ""), "needs --reason")]:
        with pytest.raises(RosterError, match=message):
            move_student(course, *args)
    assert _snapshot(course) == before


def test_the_late_policy_by_hand():
    per_day = LatePolicyValues("per_day", percent_per_day=10, max_percent=50, zero_after_days=7)
    assert penalty_for(per_day, 20.0, 0) is None
    assert penalty_for(per_day, 20.0, 1) == pytest.approx(2.0)                # 1 s late: one started day, 10 %
    assert penalty_for(per_day, 20.0, 24 * HOUR) == pytest.approx(2.0)        # exactly one day
    assert penalty_for(per_day, 20.0, 24 * HOUR + 1) == pytest.approx(4.0)    # into the second day
    assert penalty_for(per_day, 20.0, 6.5 * 24 * HOUR) == pytest.approx(10.0)  # 7 days x 10 % capped at 50 %
    assert penalty_for(per_day, 20.0, 7 * 24 * HOUR + 1) == 20.0              # more than 7 days: everything
    assert penalty_for(LatePolicyValues("zero"), 20.0, 1) == 20.0
    assert penalty_for(LatePolicyValues("none"), 20.0, 1e6) is None


def test_an_option_set_in_the_nbgrader_config_wins_over_the_calendar(course):
    config = Config()
    config.CourseDirectory.root = str(course)
    config.LatePenalty.percent_per_day = 25.0
    plugin = LatePenalty(config=config)
    assert plugin.policy() == LatePolicyValues("per_day", 25.0, 50.0, 7) and plugin.overridden() == ["percent_per_day"]
    assert plugin.late_submission_penalty("tina", 20.0, 10 * HOUR) == pytest.approx(5.0)
    submit(course, LAB1, "tina", SATURDAY_10_IST, 20)
    apply_calendar(course)
    assert recompute_penalties(course) == []  # recomputing what is already right changes nothing


def test_collect_reads_the_lms_times_in_the_lms_zone(course, tmp_path):
    from autograder.cohort.collect import collect

    text = (course / "calendar.yaml").read_text()
    assert "lms_time_zone: Asia/Kolkata" in text
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:  # Moodle writes its server's wall-clock time, no zone
        zf.writestr(zipfile.ZipInfo(f"Tina Student_1_assignsubmission_file_/{LAB1}.ipynb",
                                    date_time=(2025, 1, 11, 10, 0, 0)), "{}")
    collect(course, LAB1, archive)
    stamp = (course / "submitted" / "tina" / LAB1 / "timestamp.txt").read_text().strip()
    assert stamp == "2025-01-11 04:30:00.000000 UTC"  # 10:00 IST is 04:30 UTC


def test_the_lms_csv_has_every_roster_student_and_maps_itself_in_moodle(tmp_path):
    students = [RosterStudent("s1", "Ada", "L", "ada@x"), RosterStudent("s2", "Ben", "O", "ben@x")]
    item = GradeItem("Lab 1", {"s1": 12.5}, {"s1": "12.50 of 20"})
    path = write_lms_csv(tmp_path / "lms.csv", students, [item], "email")
    rows = list(csv.reader(open(path)))
    # Moodle's mapping form pre-selects "Email address" as the identifier, "<item> (Real)" as the grade
    # item named <item> and "<item> (Feedback)" as its feedback.
    assert rows[0] == ["Email address", "First name", "Last name", "Lab 1 (Real)", "Lab 1 (Feedback)"]
    assert rows[1:] == [["ada@x", "Ada", "L", "12.50", "12.50 of 20"], ["ben@x", "Ben", "O", "", ""]]
    by_id = write_lms_csv(tmp_path / "id.csv", students, [item], "idnumber")
    assert [r[0] for r in csv.reader(open(by_id))] == ["ID number", "s1", "s2"]
    with pytest.raises(LmsExportError, match="no email in the roster for s3"):
        write_lms_csv(tmp_path / "x.csv", students + [RosterStudent("s3")], [item], "email")
    assert not (tmp_path / "x.csv").exists()


def test_the_lab_report_holds_that_lab_and_every_roster_student(course):
    from autograder.cohort.report import write_report

    submit(course, LAB1, "tina", SATURDAY_10_IST, 20)
    submit(course, LAB1, "thea", SATURDAY_10_IST, 15)
    submit(course, LAB2, "thea", SATURDAY_10_IST + timedelta(days=7), 10)
    apply_calendar(course)
    page = write_report(course, LAB1)
    out = page.parent
    exported = list(csv.DictReader(open(out / "grades.csv")))
    assert {r["assignment"] for r in exported} == {LAB1}
    assert {r["student_id"] for r in exported} == {"tina", "walt", "thea"}
    lms = {r["Email address"]: r for r in csv.DictReader(open(out / "lms_grades.csv"))}
    assert set(lms) == {"tina@uni.example", "walt@uni.example", "thea@uni.example"}
    assert lms["tina@uni.example"]["Lab 1 (Real)"] == "18.00"           # 20 less 10 % for 10 h late
    assert "10.0 h late, late penalty 2.00" in lms["tina@uni.example"]["Lab 1 (Feedback)"]
    assert lms["thea@uni.example"]["Lab 1 (Real)"] == "15.00"
    assert lms["walt@uni.example"]["Lab 1 (Real)"] == "0.00"
    assert "no submission" in lms["walt@uni.example"]["Lab 1 (Feedback)"]
    text = page.read_text()
    assert "Fri 10 Jan 2025 24:00 IST" in text and "Sun 12 Jan 2025 24:00 IST" in text


def test_the_commands_print_the_schedule_and_refuse_with_one_line(course, capsys):
    from autograder.cli import main

    assert main(["calendar", "--course", str(course)]) == 0
    assert "the calendar is sound" in capsys.readouterr().out
    text = (course / "calendar.yaml").read_text()
    (course / "calendar.yaml").write_text(text.replace("  lab02_backprop: 2", "  lab02_backprop: 1"))
    assert main(["calendar", "--course", str(course)]) == 1
    out = capsys.readouterr().out
    assert "calendar.yaml:" in out and "two labs in week 1: lab01_neurons_losses" in " ".join(out.split())
    (course / "calendar.yaml").write_text(text)
    assert main(["extend", "zed", LAB1, "--days", "1", "--reason", "x", "--course", str(course)]) == 2
    assert capsys.readouterr().err.strip() == f"error: unknown student 'zed': not in the roster of {course}"
    assert not (course / "extensions.csv").exists()
