"""What students get of the calendar: one iCalendar file per session and a schedule page for the LMS.

``<session>.ics`` (RFC 5545, written with the ``icalendar`` package, time zone included as a VTIMEZONE)
holds every lab of that session (its date, time and room) and its deadline (an event at the deadline,
with a reminder a day before). ``index.html`` is the whole term on one page: per session, each lab's
date and deadline, the weeks without labs and the late policy in words. Everything from the calendar
file is escaped. The files depend on the calendar alone (no "now" in them), so the same calendar
gives the same bytes.
"""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar

from autograder.course.schedule import Calendar


def _uid(calendar: Calendar, *parts: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in calendar.name.lower()).strip("-")
    return f"{'-'.join(parts)}@{slug or 'course'}"


def session_ics(calendar: Calendar, session_id: str, titles: dict[str, str] | None = None) -> bytes:
    """The iCalendar file of one session: each lab and each deadline."""
    titles = titles or {}
    session = calendar.session(session_id)
    stamp = datetime.combine(calendar.week_1, datetime.min.time(), timezone.utc)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//dlcourse//course calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{calendar.name}: {session.label}")
    for lab in sorted(calendar.labs, key=lambda name: calendar.labs[name].week):
        name = titles.get(lab) or calendar.lms_item(lab)
        event = icalendar.Event()
        event.add("uid", _uid(calendar, lab, session_id, "lab"))
        event.add("dtstamp", stamp)
        event.add("summary", f"{name}: lab session ({lab})")
        event.add("dtstart", calendar.lab_start(lab, session_id))
        event.add("dtend", calendar.lab_end(lab, session_id))
        if session.room:
            event.add("location", session.room)
        due = calendar.deadline(lab, session_id)
        event.add("description", f"Week {calendar.labs[lab].week}. Due {calendar.local(due)}.")
        cal.add_component(event)
        deadline = icalendar.Event()
        deadline.add("uid", _uid(calendar, lab, session_id, "due"))
        deadline.add("dtstamp", stamp)
        deadline.add("summary", f"{name} due ({lab})")
        deadline.add("dtstart", due)
        deadline.add("dtend", due)
        deadline.add("transp", "TRANSPARENT")
        deadline.add("description", f"Submit {lab}.ipynb on the LMS by {calendar.local(due)}.")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{name} is due in a day")
        alarm.add("trigger", timedelta(days=-1))
        deadline.add_component(alarm)
        cal.add_component(deadline)
    cal.add_missing_timezones()
    return cal.to_ical()


def schedule_html(calendar: Calendar, late_policy: str, titles: dict[str, str] | None = None) -> str:
    """The term's schedule as one page (escaped)."""
    esc = html.escape
    titles = titles or {}
    order = sorted(calendar.labs, key=lambda name: calendar.labs[name].week)
    parts = [f"<h1>{esc(calendar.name)}: lab schedule</h1>",
             f"<p>Times are {esc(str(calendar.zone))} time. Attend your own session every week; each lab is due "
             f"{esc(_rule(calendar))}. Late work: {esc(late_policy)}. "
             "Import your session's calendar file into your calendar app: "
             + ", ".join(f'<a href="{esc(s.id)}.ics">{esc(s.label)}</a>' for s in calendar.sessions) + ".</p>"]
    for s in calendar.sessions:
        rows = "".join(
            f"<tr><td class=n>{calendar.labs[lab].week}</td><td>{esc(titles.get(lab) or calendar.lms_item(lab))}"
            f" <code>{esc(lab)}</code></td><td>{esc(calendar.local(calendar.lab_start(lab, s.id)))}</td>"
            f"<td>{esc(calendar.local(calendar.deadline(lab, s.id)))}</td></tr>" for lab in order)
        room = f" · {esc(s.room)}" if s.room else ""
        parts.append(f"<h2>{esc(s.label)}{room}</h2><table><tr><th>week</th><th>lab</th><th>lab session</th>"
                     f"<th>due</th></tr>{rows}</table>")
    if calendar.no_lab_weeks:
        items = "".join(f"<li>week {week} (from {calendar.week_start(week):%a %d %b %Y}): {esc(reason)}</li>"
                        for week, (reason, _) in sorted(calendar.no_lab_weeks.items()))
        parts.append(f"<h2>Weeks without labs</h2><ul>{items}</ul>")
    if calendar.viva_rounds:
        items = "".join(f"<li>week {r.week}: viva on {esc(', '.join(r.labs))}</li>" for r in calendar.viva_rounds)
        parts.append(f"<h2>Lab vivas</h2><ul>{items}</ul>")
    return ("<!doctype html><html lang=en><head><meta charset=utf-8><title>" + esc(calendar.name) + ": lab schedule"
            "</title><style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}td.n{text-align:right}</style></head><body>"
            + "".join(parts) + "</body></html>\n")


def _rule(calendar: Calendar) -> str:
    at = "the end of that day" if calendar.deadline_at is None else f"{calendar.deadline_at:%H:%M} that day"
    return f"{calendar.days_after_lab} days after your lab day, at {at}"


def write_schedule(calendar: Calendar, out: Path, late_policy: str, titles: dict[str, str] | None = None) -> list[Path]:
    """Write ``out/<session>.ics`` for every session and ``out/index.html``; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in calendar.sessions:
        path = out / f"{s.id}.ics"
        path.write_bytes(session_ics(calendar, s.id, titles))
        paths.append(path)
    page = out / "index.html"
    page.write_text(schedule_html(calendar, late_policy, titles), encoding="utf-8")
    return paths + [page]

