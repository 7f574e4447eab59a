"""The course calendar: the repository's file says what the syllabus says, and every bad file is refused
with its line (no nbgrader, no notebook: milliseconds)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import icalendar
import pytest

from autograder.course import REPO, labs
from autograder.course.extensions import ExtensionError, read_extensions
from autograder.course.schedule import CalendarError, find_calendar, parse_calendar
from autograder.course.schedule_pages import schedule_html, session_ics, write_schedule

SLIDES = REPO.parent / "shared" / "lecture" / "slides.txt"


@pytest.fixture(scope="module")
def calendar():
    return find_calendar(REPO)


def test_the_repository_calendar_has_the_syllabus_sessions_and_every_lab(calendar):
    # slides.txt lines 42-45, "Lab Hours": Tuesday 2-5 PM, Wednesday 2-5 PM, Thursday 1-4 PM.
    assert [(s.label, s.id) for s in calendar.sessions] == [
        ("Tuesday 14:00-17:00", "tue"), ("Wednesday 14:00-17:00", "wed"), ("Thursday 13:00-16:00", "thu")]
    if SLIDES.is_file():  # the lecture deck, where this checkout has it beside the repository
        hours = SLIDES.read_text().splitlines()[41:45]
        assert hours == ["- Lab Hours", " - Tuesday: 2-5 PM", " - Wednesday: 2-5 PM", " - Thursday: 1-4 PM"]
    assert sorted(calendar.labs) == labs() and len(calendar.labs) == 13
    assert calendar.problems(labs()) == []
    # slides line 55 "Lab (15%)"; the code/viva split must add up.
    w = calendar.lab_grade
    assert w.course_percent == 15 and w.code_percent + w.viva_percent == 100


def test_deadlines_are_the_end_of_the_third_day_after_each_students_own_lab_day(calendar):
    # Week 1 starts Monday 2025-01-06; lab 1 is in week 1. IST is UTC+05:30, so the end of a day
    # (24:00 IST) is 18:30 UTC of that day. Tuesday 7 Jan + 3 days = Friday 10 Jan; Thursday 9 Jan -> Sunday 12.
    utc = {s: calendar.deadline("lab01_neurons_losses", s).astimezone(timezone.utc) for s in calendar.session_ids}
    assert utc == {"tue": datetime(2025, 1, 10, 18, 30, tzinfo=timezone.utc),
                   "wed": datetime(2025, 1, 11, 18, 30, tzinfo=timezone.utc),
                   "thu": datetime(2025, 1, 12, 18, 30, tzinfo=timezone.utc)}
    assert calendar.earliest_deadline("lab01_neurons_losses") == calendar.deadline("lab01_neurons_losses", "tue")
    # lab 8 is in week 9 (week 8 has no labs): Tuesday 4 March 2025, due Friday 7 March.
    assert calendar.lab_day("lab08_vae", "tue").isoformat() == "2025-03-04"
    assert calendar.local(calendar.deadline("lab08_vae", "tue")) == "Fri 07 Mar 2025 24:00 IST"


GOOD = """\
term:
  name: Test term
  time_zone: Asia/Kolkata
  lms_time_zone: UTC
  week_1: 2025-01-06
sessions:
  - id: tue
    weekday: Tuesday
    start: "14:00"
    end: "17:00"
  - id: thu
    weekday: Thursday
    start: "13:00"
    end: "16:00"
labs:
  lab_a: 1
  lab_b: 2
no_lab_weeks:
  - week: 3
    reason: exams
deadline:
  days_after_lab: 3
  at: end of day
"""


def _parse(text: str):
    return parse_calendar(text, Path("calendar.yaml"))


def test_a_small_calendar_parses():
    cal = _parse(GOOD)
    # Unquoted, YAML 1.1 would read 14:00 as the number 840 (base 60); the calendar reads the text.
    assert _parse(GOOD.replace('start: "14:00"', "start: 14:00")).sessions[0].start.hour == 14
    assert cal.problems(["lab_a", "lab_b"]) == []
    assert cal.local(cal.deadline("lab_b", "thu")) == "Sun 19 Jan 2025 24:00 IST"


@pytest.mark.parametrize("old, new, message", [
    ("  week_1: 2025-01-06", "  week_1: 2025-01-07", r"calendar.yaml:5: .*a Tuesday; week_1 is the Monday"),
    ("    weekday: Tuesday", "    weekday: Tusday", r"calendar.yaml:8: sessions\[1\].weekday: 'Tusday' is not a weekday"),
    ('    end: "16:00"', '    end: "12:00"', r"calendar.yaml:14: .*ends \(12:00\) before it starts"),
    ("  lms_time_zone: UTC\n", "", r"calendar.yaml:2: term: needs lms_time_zone"),
    ("  time_zone: Asia/Kolkata", "  time_zone: Asia/Kolkatta", r"calendar.yaml:3: .*unknown time zone"),
    ("  lab_b: 2", "  lab_b:", r"calendar.yaml:17: lab_b has no week"),
    ("deadline:", "deadlines:", r"calendar.yaml:21: unknown key 'deadlines'"),
    ("  - id: thu", "  - id: tue", r"calendar.yaml:11: .*session 'tue' also on line 7"),
    ("  lab_b: 2", "  lab_b: two", r"calendar.yaml:17: labs.lab_b: not a whole number"),
    ("labs:\n", "labs:\n  - [\n", r"calendar.yaml:\d+: not valid YAML"),
])
def test_a_bad_calendar_is_refused_naming_its_line(old, new, message):
    assert old in GOOD
    with pytest.raises(CalendarError, match=message):
        _parse(GOOD.replace(old, new, 1))


@pytest.mark.parametrize("old, new, message", [
    ("  lab_b: 2", "  lab_b: 1", r"calendar.yaml:17: two labs in week 1: lab_a \(line 16\) and lab_b"),
    ("  lab_b: 2", "  lab_b: 3", r"calendar.yaml:17: lab_b is in week 3, a week without labs \(line 19: exams\)"),
    ("  days_after_lab: 3\n  at: end of day", "  days_after_lab: 0\n  at: \"15:00\"",
     r"calendar.yaml:22: lab_a's deadline for the tue session \(Tue 07 Jan 2025 15:00 IST\) is not after its lab"),
    ("  lab_b: 2", "  lab_b: {week: 2, due: \"2025-01-13 12:00\"}",
     r"calendar.yaml:17: lab_b's deadline for the tue session .* is not after its lab"),
])
def test_schedule_problems_name_the_line(old, new, message):
    problems = _parse(GOOD.replace(old, new, 1)).problems(["lab_a", "lab_b"])
    assert any(__import__("re").search(message, p) for p in problems), problems


def test_a_lab_of_the_course_without_a_week_is_a_problem():
    problems = _parse(GOOD).problems(["lab_a", "lab_b", "lab_c"])
    assert problems == ["calendar.yaml: lab_c has no week (add `lab_c: <week>` under labs:)"]


def test_each_session_gets_an_icalendar_file_with_its_labs_and_deadlines(calendar, tmp_path):
    paths = write_schedule(calendar, tmp_path, "10 % per day")
    assert sorted(p.name for p in paths) == ["index.html", "thu.ics", "tue.ics", "wed.ics"]
    thu = icalendar.Calendar.from_ical((tmp_path / "thu.ics").read_bytes())
    events = {str(e["uid"]): e for e in thu.walk("VEVENT")}
    assert len(events) == 2 * 13
    lab = events[next(u for u in events if u.startswith("lab01_neurons_losses-thu-lab"))]
    due = events[next(u for u in events if u.startswith("lab01_neurons_losses-thu-due"))]
    # Thursday 9 January 2025, 13:00-16:00 IST; due at the end of Sunday 12 January (18:30 UTC).
    assert lab.decoded("dtstart").astimezone(timezone.utc) == datetime(2025, 1, 9, 7, 30, tzinfo=timezone.utc)
    assert lab.decoded("dtend").astimezone(timezone.utc) == datetime(2025, 1, 9, 10, 30, tzinfo=timezone.utc)
    assert due.decoded("dtstart").astimezone(timezone.utc) == datetime(2025, 1, 12, 18, 30, tzinfo=timezone.utc)
    assert "VTIMEZONE" in (tmp_path / "thu.ics").read_text()
    assert session_ics(calendar, "thu") == (tmp_path / "thu.ics").read_bytes()  # the same calendar, the same bytes


def test_the_schedule_page_escapes_what_the_calendar_says():
    cal = _parse(GOOD.replace("name: Test term", 'name: "<script>alert(1)</script>"'))
    page = schedule_html(cal, "a <b> policy")
    assert "<script>" not in page and "&lt;script&gt;" in page and "a &lt;b&gt; policy" in page


def test_a_bad_extensions_file_is_refused_naming_its_line(tmp_path):
    header = "student,lab,days,until,reason,granted_by,granted_at\n"
    for row, message in [("ada,lab_a,,,ill,ta,now", "extensions.csv:2: give days or until"),
                         ("ada,lab_a,two,,ill,ta,now", "extensions.csv:2: days 'two' is not a number"),
                         ("ada,lab_a,2,,,ta,now", "extensions.csv:2: an extension needs a reason"),
                         ("ada,lab_a,,2025-13-01,ill,ta,now", "extensions.csv:2: not a date")]:
        (tmp_path / "extensions.csv").write_text(header + row + "\n")
        with pytest.raises(ExtensionError, match=message):
            read_extensions(tmp_path)
