"""Viva marks in the gradebook database and the Lab item they join, on a gradebook filled through
nbgrader's API (no notebook runs). The lab grade of a small cohort is computed by hand below."""
from __future__ import annotations

import csv
from datetime import timedelta

import pytest

from autograder.cohort.duedates import apply_calendar, grant_extension
from autograder.viva.marks import MarkError, VivaEntry, current_vivas, history, read_marks_csv, record_vivas
from autograder.workflows.course_grades import LabGrade, write_course_grades
from autograder.course.schedule import LabGradeWeights
from tests.cohort.calendar_course import LAB1, LAB2, SATURDAY_10_IST, copy_course, make_course, submit



@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("marks") / "course", {"pia": "tue", "quin": "thu", "rae": "wed"})
    # pia (Tuesday): lab 1 18/20 on time; lab 2 9/10 handed in 30 h after Tuesday's deadline (Friday 17
    # January 24:00 IST), i.e. two started days: 20 % of 9 = 1.8 off, 7.2 left.
    # quin (Thursday): lab 1 10/20; lab 2 10/10 at the same instant as pia: on time for Thursday (Sunday 24:00).
    # rae (Wednesday): lab 1 20/20; no lab 2.
    tue_lab2_due = SATURDAY_10_IST + timedelta(days=7) - timedelta(hours=10)   # Fri 17 Jan 18:30 UTC
    submit(root, LAB1, "pia", SATURDAY_10_IST - timedelta(days=2), 18)
    submit(root, LAB2, "pia", tue_lab2_due + timedelta(hours=30), 9)
    submit(root, LAB1, "quin", SATURDAY_10_IST, 10)
    submit(root, LAB2, "quin", tue_lab2_due + timedelta(hours=30), 10)
    submit(root, LAB1, "rae", SATURDAY_10_IST - timedelta(days=1), 20)
    apply_calendar(root)
    return root


@pytest.fixture
def course(template, tmp_path):
    return copy_course(template, tmp_path / "course")


def _entry(student="pia", labs=(LAB1, LAB2), **kw):
    base = dict(date="2025-02-11", examiner="A. Paul")
    base.update(kw)
    return VivaEntry(student, list(labs), **base)


def test_the_lab_grade_of_a_small_cohort_matches_the_hand_computation(course):
    record_vivas(course, [_entry("pia", total=8), _entry("quin", marks=[2, 1, 2, 1, 0])], by="examiner")
    grades = write_course_grades(course)
    by_id = {g.id: g for g in grades.students}
    # The calendar: Lab item 15 % of the course, code 50 %, viva 50 %, labs weigh equally; viva1 (labs 1-4)
    # is out of 10 as a total, 2 a question when marked per question.
    # pia:  code (18/20 + 7.2/10)/2 = (0.9 + 0.72)/2 = 0.81; viva 8/10 = 0.8;  15 × (0.5·0.81 + 0.5·0.8) = 12.075
    # quin: code (10/20 + 10/10)/2 = 0.75;                  viva 6/10 = 0.6;  15 × (0.375 + 0.3)       = 10.125
    # rae:  code (20/20 + 0)/2 = 0.5 (lab 2 missing);       no viva: 0;       15 × 0.25                 = 3.75
    assert by_id["pia"].labs[LAB2] == pytest.approx((7.2, 10.0))
    assert (by_id["pia"].code, by_id["pia"].viva, by_id["pia"].lab_item) == pytest.approx((0.81, 0.8, 12.075))
    assert (by_id["quin"].code, by_id["quin"].viva, by_id["quin"].lab_item) == pytest.approx((0.75, 0.6, 10.125))
    assert (by_id["rae"].code, by_id["rae"].viva, by_id["rae"].lab_item) == pytest.approx((0.5, 0.0, 3.75))
    assert by_id["rae"].notes == [f"{LAB2}: no submission (0)", "viva1: no viva (0)"]
    rows = list(csv.reader(open(course / "reports" / "course-grades.csv")))
    assert rows[0][:7] == ["id", "first_name", "last_name", "email", "session", f"{LAB1} (/20)", f"{LAB2} (/10)"]
    assert rows[0][7:] == ["viva1 (/10)", "code_percent", "viva_percent", "lab_item (/15)", "notes"]
    assert [r[0] for r in rows[1:]] == ["pia", "quin", "rae"]  # every roster student, the id first
    assert rows[3][5:11] == ["20.00", "0", "0", "50.00", "0.00", "3.75"]
    lms = list(csv.DictReader(open(course / "reports" / "course-grades-lms.csv")))
    assert [r["Email address"] for r in lms] == ["pia@uni.example", "quin@uni.example", "rae@uni.example"]
    assert [float(r["Lab (Real)"]) for r in lms] == pytest.approx([12.075, 10.125, 3.75], abs=0.0051)  # 2 decimals
    assert "Counted 0: lab02_backprop: no submission (0); viva1: no viva (0)" in lms[2]["Lab (Feedback)"]
    page = (course / "reports" / "course-grades.html").read_text()
    assert "course-grades.png" in page and (course / "reports" / "course-grades.png").read_bytes()[:4] == b"\x89PNG"
    # After an extension (pia's lab 2 penalty goes), only pia's Lab item changed since the last export:
    # code (0.9 + 0.9)/2 = 0.9, 15 × (0.45 + 0.4) = 12.75.
    grant_extension(course, "pia", LAB2, days=2, reason="medical certificate", by="ta")
    again = write_course_grades(course)
    assert [(sid, now) for sid, _, now in again.changed] == [("pia", pytest.approx(12.75))]


def test_points_weights_by_hand():
    w = LabGradeWeights(course_percent=15, code_percent=60, viva_percent=40, lab_weights="points")
    # code (18 + 7.2) / (20 + 10) = 0.84; viva (0.8 + 0.5)/2 = 0.65; 15 × (0.6·0.84 + 0.4·0.65) = 11.46
    assert LabGrade.combine(w, [(18, 20), (7.2, 10)], [0.8, 0.5]) == pytest.approx((0.84, 0.65, 11.46))


def test_a_correction_keeps_who_when_and_why(course):
    record_vivas(course, [_entry(total=8)], by="examiner")
    record_vivas(course, [_entry(total=9, amend=True, reason="misread Q3")], by="ta2")
    rows = history(course, "pia")
    assert [(r.total, r.recorded_by, r.reason, r.superseded_by) for r in rows] == [
        (8.0, "examiner", "", rows[1].id), (9.0, "ta2", "misread Q3", None)]
    assert rows[1].recorded_at and current_vivas(course)[("pia", "viva1")].total == 9.0


def test_viva_marks_are_kept_beside_nbgraders_tables_not_as_a_lab(course):
    from nbgrader.api import Gradebook

    from autograder.cohort.gradebook import db_url

    record_vivas(course, [_entry(total=8)], by="examiner")
    with Gradebook(db_url(course)) as gb:
        assert sorted(a.name for a in gb.assignments) == [LAB1, LAB2]
    assert not (course / "source" / "viva1").exists() and not (course / "release").exists()


@pytest.mark.parametrize("entry, message", [
    (_entry("zed", total=5), "unknown student 'zed'"),
    (_entry(labs=("lab03_optimizers",), total=5), "lab03_optimizers is not graded yet"),
    (_entry(labs=("lab99_x",), total=5), "unknown lab 'lab99_x'"),
    (_entry(labs=(LAB1, "lab05_autoencoders"), total=5), "not all in one viva round"),
    (_entry(total=11), "total 11 is outside 0..10"),
    (_entry(marks=[2, 3]), "Q2 mark 3 is outside 0..2"),
    (_entry(marks=[1] * 9), "9 marks; a sheet has 1 to 8 questions"),
    (_entry(), "marks per question or a total"),
    (_entry(marks=[1], total=1), "marks per question or a total"),
    (_entry(total=5, date="11/02/2025"), "not a date YYYY-MM-DD"),
    (_entry(total=5, examiner=" "), "the examiner is required"),
    (_entry(total=5, amend=True, reason="x"), "no viva for viva1 to amend"),
    (_entry(labs=(), total=5), "name the labs"),
])
def test_a_bad_viva_is_refused_and_nothing_is_written(course, entry, message):
    with pytest.raises(MarkError, match=message):
        record_vivas(course, [entry])
    assert history(course) == []


def test_a_second_viva_needs_amend_with_a_reason(course):
    record_vivas(course, [_entry(total=8)], by="examiner")
    before = history(course)
    with pytest.raises(MarkError, match=r"pia already has a viva for viva1 .* --amend --reason"):
        record_vivas(course, [_entry(labs=(LAB1,), total=6)])
    with pytest.raises(MarkError, match="a correction needs --reason"):
        record_vivas(course, [_entry(total=6, amend=True)])
    assert history(course) == before


def test_a_csv_of_vivas_is_recorded_whole_or_not_at_all(course, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text("student,labs,date,examiner,q1,q2,q3,total,comment\n"
                    f"pia,{LAB1} {LAB2},2025-02-11,A. Paul,2,2,1,,good\n"
                    f"quin,{LAB1};{LAB2},2025-02-12,,,,,7,\n"
                    f"rae,{LAB1},2025-02-12,Y. Verma,,,,12,\n")
    with pytest.raises(MarkError, match=r"marks.csv:4: rae: total 12 is outside 0..10"):
        record_vivas(course, read_marks_csv(path, examiner="Y. Verma"))
    assert history(course) == []
    path.write_text(path.read_text().replace(",12,", ",9,"))
    stored = record_vivas(course, read_marks_csv(path, examiner="Y. Verma"), by="ta")
    assert [(v.student, v.total, v.max_total, v.examiner) for v in stored] == [
        ("pia", 5.0, 6.0, "A. Paul"), ("quin", 7.0, 10.0, "Y. Verma"), ("rae", 9.0, 10.0, "Y. Verma")]
    path.write_text("student,labs,date,total\npia,lab01_neurons_losses,2025-02-11,3\npia,lab02_backprop,2025-02-11,4\n")
    with pytest.raises(MarkError, match="marks.csv:2: pia already has a viva"):
        record_vivas(course, read_marks_csv(path, examiner="X"))
    with pytest.raises(MarkError, match=r"unknown column\(s\) grade"):
        path.write_text("student,labs,date,grade\n")
        read_marks_csv(path)
