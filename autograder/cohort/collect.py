"""``dlcourse collect LAB ARCHIVE.zip``: an LMS download into ``submitted/<student>/<lab>/``.

The file names are read with nbgrader's zip-collect plugin: :class:`RosterCollector` (an nbgrader
``FileNameCollectorPlugin``) matches each upload's name with the course's pattern,
``FileNameCollectorPlugin.named_regexp`` in ``nbgrader_config.py`` (or ``--pattern``). Besides
nbgrader's ``student_id`` group, a pattern may name the student by ``name`` ("First Last", matched
against the roster) or ``email``; ``file_id`` is the file's own name and ``timestamp`` is optional (else the LMS zip entry's date). Both are the
LMS's local time, read in the calendar's ``term.lms_time_zone`` and written to ``timestamp.txt`` in UTC
(without a calendar they are taken as UTC, and ``dlcourse collect`` says so).

The LMS zip and every upload in it are untrusted (:mod:`autograder.cohort.intake`): each *upload* (an
entry of the LMS zip) is extracted on its own, without mode bits or links and within the limits of
``SafeExtractorPlugin`` in ``nbgrader_config.py``; an upload that is an archive is unpacked one level
deep, and every file inside it belongs to the student whose upload it is, whatever its own name says.
A broken or hostile upload is set aside with the reason and the rest of the cohort is imported; its
time is the LMS entry's (:func:`upload_time`), never the time of collection.

Every file ends up somewhere and in the printed table: imported (``submitted/<id>/<lab>/<lab>.ipynb`` and
``timestamp.txt``), or kept aside in ``downloaded/<lab>/set_aside/`` with the reason: it matches no
pattern, no student of the roster, it is not a notebook, it is a notebook under another name, it is
a second file for a student who already has a newer one, or it was refused at extraction.
``downloaded/<lab>/collect_report.csv`` lists them all.
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
from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

from autograder.cohort.intake import (Budget, IntakeRefused, SafeExtractorPlugin, extract_archive, is_archive,
                                      printable_name, safe_parts, write_bytes, write_stream, zip_member_kind)
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


def upload_time(info: zipfile.ZipInfo, groups: dict, zone=timezone.utc) -> datetime | None:
    """When an upload was handed in, in UTC: the pattern's ``timestamp`` group if it has one, else the
    date of its entry in the LMS zip, both read in the LMS's ``zone`` (:func:`lms_zone`) when they carry
    none. The one place where a submission's time is decided; ``None`` only when neither can be read."""
    if groups.get("timestamp"):
        try:
            when = datetime.fromisoformat(groups["timestamp"])
        except ValueError:
            when = None
        if when is not None:
            return lms_timestamp(when, zone)
    try:
        return lms_timestamp(datetime(*info.date_time), zone)
    except (TypeError, ValueError):
        return None


@dataclass
class _Candidate:
    when: datetime | None
    path: Path
    rel: str
    file_name: str


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
    limits = SafeExtractorPlugin(config=pipeline.config).limits()
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
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    archive_dir, extracted = base / "archive" / stamp, base / "extracted" / stamp
    archive_dir.mkdir(parents=True, exist_ok=True)
    extracted.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(archive, archive_dir / archive.name)
    aside = base / "set_aside"
    rows: list[Row] = []
    candidates: dict[str, list[_Candidate]] = {}
    lms = Budget(limits.archive_bytes, limits.archive_entries, f"the LMS zip {archive.name}")
    zone = lms_zone(root)

    with zipfile.ZipFile(archive) as zf:
        n_uploads = sum(not info.is_dir() for info in zf.infolist())
    with Gradebook(pipeline.db_url, pipeline.coursedir.course_id) as gb, zipfile.ZipFile(archive) as zf, \
            CountProgress(f"{lab} collect", n_uploads, "read", unit="files", enabled=progress) as bar:
        students = list(gb.students)
        for info in zf.infolist():
            if info.is_dir():
                continue
            bar.advance()
            rel = info.filename
            try:
                parts = safe_parts(rel)
                kind = zip_member_kind(info)
                if kind != "file":
                    raise IntakeRefused(f"the LMS zip holds a {'symbolic link' if kind == 'link' else kind} entry")
                with zf.open(info) as stream:
                    upload = write_stream(stream, extracted, parts, Budget(limits.upload_bytes, 1, f"upload {rel}", lms),
                                          info.compress_size, limits)
            except (IntakeRefused, FileExistsError, *_READ_ERRORS) as exc:
                rows.append(_refused(rel, "", _why(exc), aside))
                continue
            rel = "/".join(parts)
            groups = collector._match(rel) if compiled.match(rel) else None
            if not groups:
                rows.append(_set_aside(upload, rel, "", "matches no file-name pattern", aside))
                continue
            sid = collector.resolve(groups, students)
            who = groups.get("student_id") or groups.get("email") or groups.get("name") or ""
            if sid is None:
                rows.append(_set_aside(upload, rel, who, "matches no student of the roster", aside))
                continue
            when = upload_time(info, groups, zone)
            file_name = Path(groups["file_id"]).name
            if not is_archive(file_name):
                candidates.setdefault(sid, []).append(_Candidate(when, upload, rel, file_name))
                continue
            # A student's archive: everything inside is that student's, whatever it is named.
            inner = upload.with_name(upload.name + ".extracted")
            try:
                members = extract_archive(upload, inner, limits, f"the upload {rel}", lms)
            except IntakeRefused as exc:
                rows.append(_set_aside(upload, rel, sid, f"refused at extraction: {exc}", aside))
                continue
            if not members:
                rows.append(_set_aside(upload, rel, sid, "an empty archive", aside))
            for member in members:
                candidates.setdefault(sid, []).append(
                    _Candidate(when, inner / member, f"{rel}/{member}", Path(member).name))

    for sid, files in sorted(candidates.items()):
        keep = []
        for c in files:
            if not c.file_name.endswith(".ipynb"):
                rows.append(_set_aside(c.path, c.rel, sid, "not a notebook", aside))
            elif c.file_name not in expected:
                rows.append(_set_aside(c.path, c.rel, sid, f"notebook under another name (expected {', '.join(expected)})",
                                       aside))
            elif c.when is None:
                rows.append(_set_aside(c.path, c.rel, sid, "no time in the LMS zip for this upload", aside))
            else:
                keep.append(c)
        if not keep:
            continue
        keep.sort(key=lambda c: (c.when, c.rel))
        newest = keep[-1]
        for older in keep[:-1]:
            rows.append(_set_aside(older.path, older.rel, sid, "second file for this student (a newer one was imported)",
                                   aside))
        dest = pipeline.submitted_dir(lab, sid)
        target = dest / newest.file_name
        data = newest.path.read_bytes()
        outcome = REPLACED if target.is_file() and target.read_bytes() != data else IMPORTED
        dest.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        write_bytes(data, dest, newest.file_name)
        (dest / "timestamp.txt").unlink(missing_ok=True)
        write_bytes((newest.when.strftime("%Y-%m-%d %H:%M:%S.%f %Z") + "\n").encode(), dest, "timestamp.txt")
        rows.append(Row(newest.rel, sid, outcome, str(target.relative_to(root))))

    base.mkdir(parents=True, exist_ok=True)
    with open(base / "collect_report.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "student", "outcome", "where"])
        for r in rows:
            w.writerow([r.file, r.student, r.outcome, r.where])
    return rows


_READ_ERRORS = (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError, ValueError)


def _why(exc: Exception) -> str:
    if isinstance(exc, IntakeRefused):
        return f"refused at extraction: {exc}"
    if isinstance(exc, FileExistsError):
        return "refused at extraction: the LMS zip names this file twice"
    return f"refused at extraction: cannot be read ({type(exc).__name__}: {str(exc)[:120]})"


def _slug(reason: str) -> str:
    return re.sub(r"[^a-z]+", "-", reason.split("(")[0].split(":")[0].lower()).strip("-")


def _set_aside(path: Path, rel: str, who: str, reason: str, aside: Path) -> Row:
    """Keep a copy of ``path`` in ``aside/<reason>/<rel>`` (a safe name, mode 0644) and say why."""
    dest = write_bytes(path.read_bytes(), aside / _slug(reason), rel)
    return Row(rel, who, f"kept aside: {reason}", str(dest))


def _refused(rel: str, who: str, reason: str, aside: Path) -> Row:
    """An LMS entry that was not extracted at all: a note in ``aside/`` says so (no bytes of it are kept)."""
    dest = write_bytes(f"not extracted from the LMS zip: {rel!r}\n{reason}\n".encode(), aside / _slug(reason),
                       printable_name(rel) + ".txt")
    return Row(rel, who, f"kept aside: {reason}", str(dest))


def run_collect(root: Path, lab: str, archive: Path, pattern: str | None = None) -> int:
    from rich.console import Console

    from autograder.cohort.progress import literal, literal_table

    rows = collect(root, lab, archive, pattern)
    cells = [(r.file, r.student, literal(r.outcome, "green" if r.outcome.startswith("imported") else "yellow"))
             for r in rows]
    Console().print(literal_table(f"{lab}: {archive.name}", ["file", "student", "outcome"], cells))
    n_in = sum(r.outcome.startswith("imported") for r in rows)
    print(f"{n_in} imported, {len(rows) - n_in} kept aside (see downloaded/{lab}/set_aside/ and collect_report.csv)")
    zone = lms_zone(root)
    print(f"submission times read in the LMS's zone {zone}"
          + ("" if find_calendar(root) else " (no calendar.yaml: set term.lms_time_zone there)") + ", written in UTC")
    return 0
