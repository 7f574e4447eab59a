"""``dlcourse calendar``: print the term's schedule and check it; ``--apply`` and ``--ics``.

* no option: the schedule (each lab's week, its day and deadline per session), the weeks without labs,
  the deadline rule, the late policy in force (the calendar's, or ``nbgrader_config.py``'s overrides),
  the lab-grade weights and the viva rounds; every problem of the file, with its line (exit 1).
* ``--apply``: derive the gradebook's due dates and extensions and recompute the late penalties
  (:func:`autograder.cohort.duedates.apply_calendar`); prints what changed.
* ``--ics [DIR]``: one iCalendar file per session and the schedule page (default ``<course>/schedule/``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from rich.console import Console
from rich.table import Table

from autograder.cohort.late_policy import LatePenalty, describe
from autograder.cohort.pipeline import load_config
from autograder.course.schedule import calendar_path, course_lab_ids, parse_calendar
from autograder.course.schedule_pages import write_schedule


def effective_policy(root: Path):
    """``(the late policy in force, the options nbgrader_config.py overrides)``."""
    plugin = LatePenalty(config=load_config(root))
    return plugin.policy(), plugin.overridden()


def print_schedule(root: Path, console: Optional[Console] = None) -> int:
    """Print the schedule and its problems; 0 when it is sound, 1 otherwise."""
    console = console or Console()
    path = calendar_path(root)
    if not path.is_file():
        console.print(f"no calendar at {path}: copy the repository's calendar.yaml and edit it")
        return 1
    calendar = parse_calendar(path.read_text(encoding="utf-8"), path)  # raises CalendarError naming the line
    problems = calendar.problems(course_lab_ids(root))
    table = Table(title=f"{calendar.name} ({calendar.zone})", title_justify="left")
    table.add_column("week", justify="right")
    table.add_column("lab")
    for s in calendar.sessions:
        table.add_column(f"{s.id}: {s.label}\nlab / due")
    rows = [(slot.week, "lab", slot.lab) for slot in calendar.labs.values()]
    rows += [(week, "none", reason) for week, (reason, _) in calendar.no_lab_weeks.items()]
    for week, kind, what in sorted(rows):
        if kind == "none":
            table.add_row(str(week), f"[dim]no labs: {what}[/dim]", *["" for _ in calendar.sessions])
            continue
        cells = [f"{calendar.local(calendar.lab_start(what, s.id), short=True)}\n"
                 f"due {calendar.local(calendar.deadline(what, s.id), short=True)}"
                 for s in calendar.sessions]
        table.add_row(str(week), what, *cells)
    console.print(table)
    at = "the end of that day" if calendar.deadline_at is None else f"{calendar.deadline_at:%H:%M}"
    console.print(f"deadline: {calendar.days_after_lab} days after the student's own lab day, at {at}")
    if problems:  # the plugin reads only a sound calendar: show the file's own values
        console.print(f"late policy: {describe(calendar.late)} (calendar)")
    else:
        policy, overridden = effective_policy(root)
        console.print(f"late policy: {describe(policy)}"
                      + (f" (nbgrader_config.py overrides {', '.join(overridden)})" if overridden else " (calendar)"))
    w = calendar.lab_grade
    console.print(f"lab grade: Lab item {w.course_percent:g} % of the course = code {w.code_percent:g} % "
                  f"({w.lab_weights} weights) + viva {w.viva_percent:g} %")
    for r in calendar.viva_rounds:
        console.print(f"viva {r.id}: week {r.week}, labs {', '.join(r.labs)}, out of {r.max_marks:g} "
                      f"({calendar.marks_per_question:g} per question)")
    console.print(f"LMS times read in {calendar.lms_zone}; grades exported by {calendar.lms_identifier}")
    for problem in problems:
        console.print(f"[red]error:[/red] {problem}", highlight=False, soft_wrap=True)
    if not problems:
        console.print("[green]the calendar is sound[/green]")
    return 1 if problems else 0


def run_calendar(root: Path, apply: bool = False, ics: Optional[Path] = None, want_ics: bool = False) -> int:
    from autograder.cohort.duedates import apply_calendar
    from autograder.course.schedule import load_calendar

    root = Path(root).resolve()
    status = print_schedule(root)
    if status:
        return status
    if apply:
        applied = apply_calendar(root)
        calendar = load_calendar(root)
        for lab, due in applied.duedates.items():
            print(f"{lab}: due {calendar.local(due)} (earliest session) in the gradebook")
        for lab, student, extension in applied.extensions:
            print(f"  {student} {lab}: extension {extension or 'none'}")
        for lab, student, old, new in applied.penalties:
            print(f"  {student} {lab}: late penalty {old:.2f} -> {new:.2f}")
        if applied.no_session:
            print(f"not in a session (the earliest deadline applies): {', '.join(sorted(applied.no_session))}")
        print(f"applied: {len(applied.duedates)} due date(s), {len(applied.extensions)} extension(s) changed, "
              f"{len(applied.penalties)} penalt(y/ies) changed")
    if want_ics:
        calendar = load_calendar(root)
        out = Path(ics) if ics else root / "schedule"
        paths = write_schedule(calendar, out, describe(effective_policy(root)[0]))
        for path in paths:
            print(f"wrote {path}")
    return 0

