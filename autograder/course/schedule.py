"""The course calendar, ``calendar.yaml`` at the course root: sessions, lab weeks, deadlines, policies.

One human-edited file says, for the term: its time zone (and the LMS's), the lab sessions (weekday,
start, end, room), the week each lab is held in, the weeks without labs, the deadline rule (default:
the end of the 3rd day after the student's own lab day), the late policy, the lab-grade weights, the
viva rounds and the LMS's grade items. :func:`load_calendar` reads it with PyYAML's node API, so every
error names the file and line (times and dates are read as text, never YAML's numbers or sexagesimals),
and :meth:`Calendar.problems` checks the schedule itself: a lab with no week, two labs in one week, a
lab in a week without labs, a deadline before its lab ends.

Times are aware datetimes in the term's zone; :func:`to_gradebook` turns one into nbgrader's naive UTC.
A course root without the file has no calendar (:func:`find_calendar` returns ``None``): no due dates,
as plain nbgrader has by default.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CALENDAR_FILE = "calendar.yaml"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LATE_METHODS = ("none", "per_day", "zero")
LAB_WEIGHTS = ("equal", "points")
IDENTIFIERS = ("email", "idnumber")
END_OF_DAY = "end of day"
_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


class CalendarError(ValueError):
    """A problem in the calendar file; the message names the file and line."""


# ------------------------------------------------------------------ what the file holds
@dataclass(frozen=True)
class Session:
    """One weekly lab session: ``weekday`` 0 = Monday; ``start``/``end`` local times."""

    id: str
    weekday: int
    start: time
    end: time
    room: str
    line: int

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.weekday]} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class LabWeek:
    lab: str
    week: int
    line: int
    due: Optional[datetime] = None      # a fixed deadline for every session (overrides the rule)


@dataclass(frozen=True)
class LatePolicyValues:
    """What ``late_policy:`` says; applied by :class:`autograder.cohort.late_policy.LatePenalty`."""

    method: str = "none"
    percent_per_day: float = 0.0
    max_percent: float = 100.0
    zero_after_days: int = 0


@dataclass(frozen=True)
class LabGradeWeights:
    """``lab_grade:``: the Lab item's share of the course and how code and viva share it (percent)."""

    course_percent: float = 15.0
    code_percent: float = 50.0
    viva_percent: float = 50.0
    lab_weights: str = "equal"


@dataclass(frozen=True)
class VivaRound:
    id: str
    week: int
    labs: tuple[str, ...]
    max_marks: float
    line: int


@dataclass(frozen=True)
class Calendar:
    path: Path
    name: str
    zone: ZoneInfo
    lms_zone: ZoneInfo
    week_1: date
    sessions: tuple[Session, ...]
    labs: dict[str, LabWeek]
    no_lab_weeks: dict[int, tuple[str, int]]          # week -> (reason, line)
    days_after_lab: int = 3
    deadline_at: Optional[time] = None                # None: the end of that day (24:00)
    late: LatePolicyValues = LatePolicyValues()
    lab_grade: LabGradeWeights = LabGradeWeights()
    marks_per_question: float = 2.0
    viva_rounds: tuple[VivaRound, ...] = ()
    lms_identifier: str = "email"
    lms_lab_item: str = "Lab"
    lms_items: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)  # "late_policy.method" -> line, for messages

    # --- sessions and dates ----------------------------------------------------------------------
    def session(self, session_id: str) -> Session:
        for s in self.sessions:
            if s.id == session_id:
                return s
        raise KeyError(f"no session {session_id!r} in {self.path} (sessions: {', '.join(self.session_ids)})")

    @property
    def session_ids(self) -> list[str]:
        return [s.id for s in self.sessions]

    def week_start(self, week: int) -> date:
        return self.week_1 + timedelta(days=7 * (week - 1))

    def week_of(self, when: datetime) -> int:
        """The term week that ``when`` (aware) falls in (week 1 starts on ``week_1``)."""
        day = when.astimezone(self.zone).date()
        return (day - self.week_1).days // 7 + 1

    def lab_day(self, lab: str, session_id: str) -> date:
        return self.week_start(self._lab(lab).week) + timedelta(days=self.session(session_id).weekday)

    def lab_start(self, lab: str, session_id: str) -> datetime:
        return datetime.combine(self.lab_day(lab, session_id), self.session(session_id).start, self.zone)

    def lab_end(self, lab: str, session_id: str) -> datetime:
        return datetime.combine(self.lab_day(lab, session_id), self.session(session_id).end, self.zone)

    def deadline(self, lab: str, session_id: str) -> datetime:
        """When ``lab`` is due for a student of ``session_id`` (aware, term zone)."""
        slot = self._lab(lab)
        if slot.due is not None:
            return slot.due
        day = self.lab_day(lab, session_id) + timedelta(days=self.days_after_lab)
        if self.deadline_at is None:
            return datetime.combine(day + timedelta(days=1), time(0, 0), self.zone)
        return datetime.combine(day, self.deadline_at, self.zone)

    def earliest_deadline(self, lab: str) -> datetime:
        return min(self.deadline(lab, s) for s in self.session_ids)

    def _lab(self, lab: str) -> LabWeek:
        try:
            return self.labs[lab]
        except KeyError:
            raise KeyError(f"{lab} has no week in {self.path}") from None

    def round_of(self, labs: list[str]) -> Optional[VivaRound]:
        """The viva round whose labs include every lab of ``labs``, or ``None``."""
        for r in self.viva_rounds:
            if set(labs) <= set(r.labs):
                return r
        return None

    def lms_item(self, lab: str) -> str:
        return self.lms_items.get(lab, lab)

    def local(self, when: Optional[datetime], short: bool = False) -> str:
        """``when`` (aware, or nbgrader's naive UTC) as "Fri 10 Jan 2025 24:00 IST" in the term zone
        (``short``: "Fri 10 Jan 24:00")."""
        if when is None:
            return "(none)"
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        when = when.astimezone(self.zone)
        day, clock = when, f"{when:%H:%M}"
        if when.time() == time(0, 0):  # the end of the day before reads better than 00:00 of the next
            day, clock = when - timedelta(days=1), "24:00"
        if short:
            return f"{day:%a %d %b} {clock}"
        return f"{day:%a %d %b %Y} {clock} {when.tzname()}"

    # --- checks ----------------------------------------------------------------------------------
    def problems(self, course_labs: Optional[list[str]] = None) -> list[str]:
        """Everything wrong with the schedule, each naming the file and line (empty when it is sound)."""
        out, where = [], str(self.path)
        for lab in course_labs or []:
            if lab not in self.labs:
                out.append(f"{where}: {lab} has no week (add `{lab}: <week>` under labs:)")
        if course_labs is not None:
            for lab, slot in self.labs.items():
                if lab not in course_labs:
                    out.append(f"{where}:{slot.line}: {lab} is not a lab of this course (labs: {', '.join(course_labs)})")
        by_week: dict[int, LabWeek] = {}
        for slot in sorted(self.labs.values(), key=lambda s: s.line):
            if slot.week in by_week:
                other = by_week[slot.week]
                out.append(f"{where}:{slot.line}: two labs in week {slot.week}: {other.lab} (line {other.line}) "
                           f"and {slot.lab}")
            by_week.setdefault(slot.week, slot)
            if slot.week in self.no_lab_weeks:
                reason, line = self.no_lab_weeks[slot.week]
                out.append(f"{where}:{slot.line}: {slot.lab} is in week {slot.week}, a week without labs "
                           f"(line {line}: {reason})")
            for s in self.sessions:
                due, end = self.deadline(slot.lab, s.id), self.lab_end(slot.lab, s.id)
                if due <= end:
                    line = slot.line if slot.due is not None else self.lines.get("deadline", slot.line)
                    out.append(f"{where}:{line}: {slot.lab}'s deadline for the {s.id} session ({self.local(due)}) "
                               f"is not after its lab ({self.local(end)})")
        for r in self.viva_rounds:
            unknown = [lab for lab in r.labs if lab not in self.labs]
            if unknown:
                out.append(f"{where}:{r.line}: viva round {r.id} covers {', '.join(unknown)}, which has no week")
                continue
            last_due = max(self.deadline(lab, s) for lab in r.labs for s in self.session_ids)
            if self.week_start(r.week) + timedelta(days=7) <= last_due.date():
                out.append(f"{where}:{r.line}: viva round {r.id} (week {r.week}) is before the deadline of its labs "
                           f"({self.local(last_due)})")
        seen: dict[str, str] = {}
        for r in self.viva_rounds:
            for lab in r.labs:
                if lab in seen:
                    out.append(f"{where}:{r.line}: {lab} is in viva rounds {seen[lab]} and {r.id}")
                seen[lab] = r.id
        return out


# ------------------------------------------------------------------ reading the file
class _Node:
    """A YAML node with its file and (1-based) line, for messages."""

    def __init__(self, node: yaml.Node, path: Path, what: str):
        self.node, self.path, self.what = node, path, what

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def fail(self, message: str) -> CalendarError:
        return CalendarError(f"{self.path}:{self.line}: {self.what}: {message}")

    def mapping(self, allowed: tuple[str, ...]) -> dict[str, "_Node"]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail("expected a mapping (key: value lines)")
        out = {}
        for key, value in self.node.value:
            name = str(key.value)
            child = _Node(value, self.path, f"{self.what}.{name}" if self.what else name)
            if allowed and name not in allowed:
                raise CalendarError(f"{self.path}:{key.start_mark.line + 1}: unknown key {name!r} in "
                                    f"{self.what or 'the file'} (allowed: {', '.join(allowed)})")
            if name in out:
                raise CalendarError(f"{self.path}:{key.start_mark.line + 1}: {name!r} appears twice")
            out[name] = child
        return out

    def pairs(self) -> list[tuple[str, int, "_Node"]]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail("expected a mapping (key: value lines)")
        return [(str(k.value), k.start_mark.line + 1, _Node(v, self.path, f"{self.what}.{k.value}"))
                for k, v in self.node.value]

    def items(self) -> list["_Node"]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail("expected a list (lines starting with '- ')")
        return [_Node(v, self.path, f"{self.what}[{i + 1}]") for i, v in enumerate(self.node.value)]

    def text(self) -> str:
        if not isinstance(self.node, yaml.ScalarNode) or str(self.node.value).strip() == "":
            raise self.fail("expected a value")
        return str(self.node.value).strip()

    def number(self, low: float = 0.0, high: float = float("inf")) -> float:
        try:
            value = float(self.text())
        except ValueError:
            raise self.fail(f"not a number: {self.text()!r}") from None
        if not low <= value <= high:
            raise self.fail(f"{value:g} is outside {low:g}..{high:g}")
        return value

    def whole(self, low: int = 0, high: int = 10**6) -> int:
        text = self.text()
        if not re.fullmatch(r"-?\d+", text):
            raise self.fail(f"not a whole number: {text!r}")
        value = int(text)
        if not low <= value <= high:
            raise self.fail(f"{value} is outside {low}..{high}")
        return value

    def choice(self, options: tuple[str, ...]) -> str:
        value = self.text()
        if value not in options:
            raise self.fail(f"{value!r} is not one of {', '.join(options)}")
        return value

    def clock(self) -> time:
        text = self.text()
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise self.fail(f"not a time of day HH:MM: {text!r}")
        return time(int(match[1]), int(match[2]))

    def day(self) -> date:
        try:
            return date.fromisoformat(self.text())
        except ValueError:
            raise self.fail(f"not a date YYYY-MM-DD: {self.text()!r}") from None

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.text())
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(f"unknown time zone {self.text()!r} (an IANA name such as Asia/Kolkata)") from None

    def moment(self, zone: ZoneInfo) -> datetime:
        try:
            when = datetime.fromisoformat(self.text())
        except ValueError:
            raise self.fail(f"not a date and time 'YYYY-MM-DD HH:MM': {self.text()!r}") from None
        return when.replace(tzinfo=zone) if when.tzinfo is None else when


def _week(node: _Node) -> int:
    return node.whole(1, 60)


def parse_calendar(text: str, path: Path) -> Calendar:
    """A :class:`Calendar` from the text of ``path``; raises :class:`CalendarError` naming the line."""
    try:
        root_node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else "?"
        raise CalendarError(f"{path}:{line}: not valid YAML: {exc.problem or exc}") from None
    if root_node is None:
        raise CalendarError(f"{path}: the file is empty")
    top = _Node(root_node, path, "").mapping(("term", "sessions", "labs", "no_lab_weeks", "deadline", "late_policy",
                                               "lab_grade", "vivas", "lms"))
    for required in ("term", "sessions", "labs"):
        if required not in top:
            raise CalendarError(f"{path}: the file needs a {required!r} section")
    lines: dict[str, int] = {}

    term = top["term"].mapping(("name", "time_zone", "lms_time_zone", "week_1"))
    for required in ("time_zone", "week_1"):
        if required not in term:
            raise top["term"].fail(f"needs {required}")
    zone = term["time_zone"].zone()
    lms_zone = term["lms_time_zone"].zone() if "lms_time_zone" in term else None
    if lms_zone is None:
        raise top["term"].fail("needs lms_time_zone: the zone of the LMS's timestamps is never assumed "
                               "(write the term's zone if the LMS uses it)")
    week_1 = term["week_1"].day()
    if week_1.weekday() != 0:
        raise term["week_1"].fail(f"{week_1} is a {WEEKDAYS[week_1.weekday()]}; week_1 is the Monday of week 1")

    sessions, ids = [], {}
    for item in top["sessions"].items():
        fields = item.mapping(("id", "weekday", "start", "end", "room"))
        missing = [k for k in ("id", "weekday", "start", "end") if k not in fields]
        if missing:
            raise item.fail(f"needs {', '.join(missing)}")
        sid = fields["id"].text()
        if not _ID.match(sid):
            raise fields["id"].fail(f"{sid!r}: use lower-case letters, digits, '-' or '_' (it is a roster value)")
        if sid in ids:
            raise fields["id"].fail(f"session {sid!r} also on line {ids[sid]}")
        ids[sid] = item.line
        day = fields["weekday"].text().capitalize()
        if day not in WEEKDAYS:
            raise fields["weekday"].fail(f"{fields['weekday'].text()!r} is not a weekday ({', '.join(WEEKDAYS)})")
        start, end = fields["start"].clock(), fields["end"].clock()
        if end <= start:
            raise fields["end"].fail(f"the session ends ({end:%H:%M}) before it starts ({start:%H:%M})")
        room = fields["room"].text() if "room" in fields else ""
        sessions.append(Session(sid, WEEKDAYS.index(day), start, end, room, item.line))
    if not sessions:
        raise top["sessions"].fail("needs at least one session")

    labs: dict[str, LabWeek] = {}
    for lab, line, value in top["labs"].pairs():
        if isinstance(value.node, yaml.ScalarNode) and str(value.node.value).strip() == "":
            raise CalendarError(f"{path}:{line}: {lab} has no week")
        if isinstance(value.node, yaml.MappingNode):
            fields = value.mapping(("week", "due"))
            if "week" not in fields:
                raise CalendarError(f"{path}:{line}: {lab} has no week")
            due = fields["due"].moment(zone) if "due" in fields else None
            labs[lab] = LabWeek(lab, _week(fields["week"]), line, due)
        else:
            labs[lab] = LabWeek(lab, _week(value), line)

    no_lab: dict[int, tuple[str, int]] = {}
    for item in top["no_lab_weeks"].items() if "no_lab_weeks" in top else []:
        fields = item.mapping(("week", "reason"))
        if "week" not in fields:
            raise item.fail("needs week")
        week = _week(fields["week"])
        if week in no_lab:
            raise fields["week"].fail(f"week {week} is listed twice (line {no_lab[week][1]})")
        no_lab[week] = (fields["reason"].text() if "reason" in fields else "no labs", item.line)

    days_after, at = 3, None
    if "deadline" in top:
        lines["deadline"] = top["deadline"].line
        fields = top["deadline"].mapping(("days_after_lab", "at"))
        if "days_after_lab" in fields:
            days_after = fields["days_after_lab"].whole(-7, 60)
        if "at" in fields and fields["at"].text() != END_OF_DAY:
            at = fields["at"].clock()

    late = LatePolicyValues()
    if "late_policy" in top:
        fields = top["late_policy"].mapping(("method", "percent_per_day", "max_percent", "zero_after_days"))
        late = LatePolicyValues(
            method=fields["method"].choice(LATE_METHODS) if "method" in fields else "none",
            percent_per_day=fields["percent_per_day"].number(0, 100) if "percent_per_day" in fields else 0.0,
            max_percent=fields["max_percent"].number(0, 100) if "max_percent" in fields else 100.0,
            zero_after_days=fields["zero_after_days"].whole(0, 365) if "zero_after_days" in fields else 0)
        for key, node in fields.items():
            lines[f"late_policy.{key}"] = node.line
        if late.method == "per_day" and "percent_per_day" not in fields:
            raise top["late_policy"].fail("method per_day needs percent_per_day")

    weights = LabGradeWeights()
    if "lab_grade" in top:
        fields = top["lab_grade"].mapping(("course_percent", "code_percent", "viva_percent", "lab_weights"))
        weights = LabGradeWeights(
            course_percent=fields["course_percent"].number(0, 100) if "course_percent" in fields else 15.0,
            code_percent=fields["code_percent"].number(0, 100) if "code_percent" in fields else 50.0,
            viva_percent=fields["viva_percent"].number(0, 100) if "viva_percent" in fields else 50.0,
            lab_weights=fields["lab_weights"].choice(LAB_WEIGHTS) if "lab_weights" in fields else "equal")
        if abs(weights.code_percent + weights.viva_percent - 100) > 1e-9:
            raise top["lab_grade"].fail(f"code_percent + viva_percent must be 100, got "
                                        f"{weights.code_percent:g} + {weights.viva_percent:g}")

    per_question, rounds = 2.0, []
    if "vivas" in top:
        fields = top["vivas"].mapping(("marks_per_question", "rounds"))
        if "marks_per_question" in fields:
            per_question = fields["marks_per_question"].number(0.5, 100)
        round_ids: dict[str, int] = {}
        for item in fields["rounds"].items() if "rounds" in fields else []:
            rf = item.mapping(("id", "week", "labs", "max_marks"))
            missing = [k for k in ("id", "week", "labs") if k not in rf]
            if missing:
                raise item.fail(f"needs {', '.join(missing)}")
            rid = rf["id"].text()
            if not _ID.match(rid):
                raise rf["id"].fail(f"{rid!r}: use lower-case letters, digits, '-' or '_'")
            if rid in round_ids:
                raise rf["id"].fail(f"round {rid!r} also on line {round_ids[rid]}")
            round_ids[rid] = item.line
            round_labs = tuple(n.text() for n in rf["labs"].items())
            if not round_labs:
                raise rf["labs"].fail("a viva round covers at least one lab")
            rounds.append(VivaRound(rid, _week(rf["week"]), round_labs,
                                    rf["max_marks"].number(1, 1000) if "max_marks" in rf else 10.0, item.line))

    identifier, lab_item, items = "email", "Lab", {}
    if "lms" in top:
        fields = top["lms"].mapping(("identifier", "lab_item", "items"))
        if "identifier" in fields:
            identifier = fields["identifier"].choice(IDENTIFIERS)
        if "lab_item" in fields:
            lab_item = fields["lab_item"].text()
        if "items" in fields:
            for lab, line, value in fields["items"].pairs():
                if lab not in labs:
                    raise CalendarError(f"{path}:{line}: lms.items names {lab}, which is not under labs:")
                items[lab] = value.text()
    return Calendar(path=path, name=term["name"].text() if "name" in term else path.parent.name, zone=zone,
                    lms_zone=lms_zone, week_1=week_1, sessions=tuple(sessions), labs=labs, no_lab_weeks=no_lab,
                    days_after_lab=days_after, deadline_at=at, late=late, lab_grade=weights,
                    marks_per_question=per_question, viva_rounds=tuple(rounds), lms_identifier=identifier,
                    lms_lab_item=lab_item, lms_items=items, lines=lines)


def calendar_path(root: Path) -> Path:
    return Path(root) / CALENDAR_FILE


def find_calendar(root: Path, course_labs: Optional[list[str]] = None) -> Optional[Calendar]:
    """The checked calendar of course ``root``, or ``None`` when it has no ``calendar.yaml``.

    Raises :class:`CalendarError` listing every problem (a calendar with problems derives nothing).
    ``course_labs``: the labs the course has (each needs a week); default: ``<root>/source/``'s.
    """
    path = calendar_path(root)
    if not path.is_file():
        return None
    calendar = parse_calendar(path.read_text(encoding="utf-8"), path)
    if course_labs is None:
        course_labs = course_lab_ids(root)
    problems = calendar.problems(course_labs)
    if problems:
        raise CalendarError("\n".join(problems))
    return calendar


def load_calendar(root: Path, course_labs: Optional[list[str]] = None) -> Calendar:
    """Like :func:`find_calendar`, but a missing file is an error too."""
    calendar = find_calendar(root, course_labs)
    if calendar is None:
        raise CalendarError(f"no {CALENDAR_FILE} at {Path(root).resolve()} (the repository's is the template)")
    return calendar


def course_lab_ids(root: Path) -> list[str]:
    source = Path(root) / "source"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").is_file())


def to_gradebook(when: datetime) -> datetime:
    """An aware datetime as nbgrader stores it: naive UTC."""
    if when.tzinfo is None:
        raise ValueError(f"{when} has no time zone: refusing to guess it")
    return when.astimezone(timezone.utc).replace(tzinfo=None)


def from_gradebook(when: Optional[datetime]) -> Optional[datetime]:
    """nbgrader's naive UTC as an aware datetime."""
    return None if when is None else when.replace(tzinfo=timezone.utc)


def lms_timestamp(when: datetime, lms_zone) -> datetime:
    """An LMS timestamp in UTC: a naive one is read in the LMS's zone ``lms_zone`` (a tzinfo)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=lms_zone)
    return when.astimezone(timezone.utc)
