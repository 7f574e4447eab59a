"""``dlcourse collect LAB ARCHIVE.zip``: an LMS download into ``submitted/<student>/<lab>/``.

Built on nbgrader's zip-collect plugins: its ``ExtractorPlugin`` unpacks the archive into
``downloaded/<lab>/extracted/``, and :class:`RosterCollector` (an nbgrader ``FileNameCollectorPlugin``)
reads each file's name with the course's pattern, ``FileNameCollectorPlugin.named_regexp`` in
``nbgrader_config.py`` (or ``--pattern``). Besides nbgrader's ``student_id`` group, a pattern may name the
student by ``name`` ("First Last", matched against the roster) or ``email``; ``file_id`` is the file's
own name and ``timestamp`` is optional (else the archive entry's date). Both are the LMS's local time,
read in the calendar's ``term.lms_time_zone`` and written to ``timestamp.txt`` in UTC (without a calendar
they are taken as UTC, and ``dlcourse collect`` says so).

Every file ends up somewhere and in the printed table: imported (``submitted/<id>/<lab>/<lab>.ipynb`` and
``timestamp.txt``), or kept aside in ``downloaded/<lab>/set_aside/`` with the reason: it matches no
pattern, no student of the roster, it is not a notebook, it is a notebook under another name, or it is
a second file for a student who already has a newer one. ``downloaded/<lab>/collect_report.csv`` lists
them all.
"""
from __future__ import annotations

import csv
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins.zipcollect import ExtractorPlugin, FileNameCollectorPlugin

from autograder.cohort.pipeline import Pipeline
from autograder.course.schedule import find_calendar, lms_timestamp

#: Named presets for ``--pattern``; anything else is taken as a regular expression.
PRESETS = {
    # Moodle "Download all submissions": "<Full Name>_<participant>_assignsubmission_file_<file>",
    # flat (before Moodle 3.1) or with one folder per submission, "..._file_/" (3.1 to 4.0) or "..._file/" (4.1 on).
    "moodle": r"(?P<name>[^/_]+)_(?P<participant>\d+)_assignsubmission_file_?/?(?P<file_id>.+)$",
    # Google Classroom (Drive folder download): "<Full Name> - <file>".
    "classroom": r"(?:.*/)?(?P<name>[^/]+?) - (?P<file_id>[^/]+)$",
}

IMPORTED, REPLACED = "imported", "imported (replaces an earlier upload)"


def _norm(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", s).split())


class RosterCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, resolving ``name`` or ``email`` groups to a roster id."""

    def resolve(self, groups: dict, students: list) -> str | None:
        if groups.get("student_id"):
            sid = groups["student_id"]
            return sid if any(s.id == sid for s in students) else None
        if groups.get("email"):
            hits = [s.id for s in students if (s.email or "").lower() == groups["email"].lower()]
            return hits[0] if len(hits) == 1 else None
        if groups.get("name"):
            want = _norm(groups["name"])
            hits = [s.id for s in students if _norm(f"{s.first_name or ''} {s.last_name or ''}") == want
                    or _norm(f"{s.last_name or ''} {s.first_name or ''}") == want]
            return hits[0] if len(hits) == 1 else None
        return None


@dataclass
class Row:
    file: str
    student: str
    outcome: str
    where: str


def lms_zone(root: Path):
    """The zone of the LMS's timestamps: the calendar's ``term.lms_time_zone`` (UTC without a calendar)."""
    calendar = find_calendar(root)
    return calendar.lms_zone if calendar else timezone.utc


def _entry_times(archive: Path, zone) -> dict[str, datetime]:
    """Each entry's date in UTC: a zip stores the LMS server's wall-clock time, with no zone, read in ``zone``."""
    with zipfile.ZipFile(archive) as zf:
        return {info.filename.rstrip("/"): lms_timestamp(datetime(*info.date_time), zone) for info in zf.infolist()}


def collect(root: Path, lab: str, archive: Path, pattern: str | None = None, progress: bool = True) -> list[Row]:
    """Import ``archive`` for ``lab`` into course ``root``; returns one :class:`Row` per file found.

    ``progress``: show how many files were read (a bar in a terminal, lines in a log)."""
    from autograder.cohort.preflight import require_gradebook
    from autograder.cohort.progress import CountProgress

    root, archive = Path(root).resolve(), Path(archive)
    if not archive.is_file():
        raise SystemExit(f"no archive at {archive}")
    if not zipfile.is_zipfile(archive):
        raise SystemExit(f"{archive} is not a zip file")
    require_gradebook(root, f"collect {lab} {archive}", lab, released=True, students=True)
    pipeline = Pipeline(root)
    expected = pipeline.notebook_names(lab)
    collector = RosterCollector(config=pipeline.config)
    regexp = PRESETS.get(pattern or "", pattern) or collector.named_regexp or PRESETS["moodle"]
    try:
        compiled = re.compile(regexp)
    except re.error as exc:
        raise SystemExit(f"bad --pattern {regexp!r}: {exc}") from None
    if "file_id" not in compiled.groupindex or not {"student_id", "name", "email"} & set(compiled.groupindex):
        raise SystemExit(f"the pattern {regexp!r} needs a (?P<file_id>...) group and one of "
                         "(?P<student_id>...), (?P<name>...), (?P<email>...)")
    collector.named_regexp = regexp

    base = root / "downloaded" / lab
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    archive_dir, extracted = base / "archive" / stamp, base / "extracted" / stamp
    archive_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(archive, archive_dir / archive.name)
    ExtractorPlugin(config=pipeline.config).extract(str(archive_dir), str(extracted))
    zone = lms_zone(root)
    times = _entry_times(archive, zone)
    inner = extracted / archive.stem  # the extractor gives each archive its own folder
    top = inner if inner.is_dir() else extracted

    files = sorted(p for p in top.rglob("*") if p.is_file())
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb, \
            CountProgress(f"{lab} collect", len(files), "read", unit="files", enabled=progress) as bar:
        students = list(gb.students)
        rows: list[Row] = []
        candidates: dict[str, list[tuple[datetime, Path, str]]] = {}
        aside = base / "set_aside"
        for path in files:
            bar.advance()
            rel = path.relative_to(top).as_posix()
            groups = collector._match(rel) if compiled.match(rel) else None
            if not groups:
                rows.append(_set_aside(path, rel, "", "matches no file-name pattern", aside))
                continue
            sid = collector.resolve(groups, students)
            who = groups.get("student_id") or groups.get("email") or groups.get("name") or ""
            if sid is None:
                rows.append(_set_aside(path, rel, who, "matches no student of the roster", aside))
                continue
            file_name = Path(groups["file_id"]).name
            if not file_name.endswith(".ipynb"):
                rows.append(_set_aside(path, rel, sid, "not a notebook", aside))
                continue
            if file_name not in expected:
                rows.append(_set_aside(path, rel, sid, f"notebook under another name (expected {', '.join(expected)})", aside))
                continue
            try:
                when = lms_timestamp(datetime.fromisoformat(groups["timestamp"]), zone) if groups.get("timestamp") else times.get(
                    f"{archive.stem}/{rel}" if inner.is_dir() else rel) or times.get(rel)
            except ValueError:
                when = None
            when = when or datetime.now(timezone.utc)
            candidates.setdefault(sid, []).append((when, path, rel))

    for sid, files in sorted(candidates.items()):
        files.sort(key=lambda t: (t[0], t[2]))
        when, path, rel = files[-1]
        for _, older, older_rel in files[:-1]:
            rows.append(_set_aside(older, older_rel, sid, "second file for this student (a newer one was imported)", aside))
        dest = pipeline.submitted_dir(lab, sid)
        target = dest / path.name
        outcome = REPLACED if target.exists() and target.read_bytes() != path.read_bytes() else IMPORTED
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
        (dest / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f %Z") + "\n")
        rows.append(Row(rel, sid, outcome, str(target.relative_to(root))))

    base.mkdir(parents=True, exist_ok=True)
    with open(base / "collect_report.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "student", "outcome", "where"])
        for r in rows:
            w.writerow([r.file, r.student, r.outcome, r.where])
    return rows


def _set_aside(path: Path, rel: str, who: str, reason: str, aside: Path) -> Row:
    slug = re.sub(r"[^a-z]+", "-", reason.split("(")[0].lower()).strip("-")
    dest = aside / slug / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, dest)
    return Row(rel, who, f"kept aside: {reason}", str(dest))


def run_collect(root: Path, lab: str, archive: Path, pattern: str | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    rows = collect(root, lab, archive, pattern)
    table = Table(title=f"{lab}: {archive.name}")
    for col in ("file", "student", "outcome"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = "green" if r.outcome.startswith("imported") else "yellow"
        table.add_row(r.file, r.student, f"[{style}]{r.outcome}[/{style}]")
    Console().print(table)
    n_in = sum(r.outcome.startswith("imported") for r in rows)
    print(f"{n_in} imported, {len(rows) - n_in} kept aside (see downloaded/{lab}/set_aside/ and collect_report.csv)")
    zone = lms_zone(root)
    print(f"submission times read in the LMS's zone {zone}"
          + ("" if find_calendar(root) else " (no calendar.yaml: set term.lms_time_zone there)") + ", written in UTC")
    return 0
