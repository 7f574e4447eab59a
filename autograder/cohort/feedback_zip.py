"""``feedback/<lab>_moodle_feedback.zip``: a whole cohort's feedback pages for Moodle's "Upload multiple
feedback files in a zip" (Assignment > View all submissions > Grading action).

Moodle reads each path of that zip (``mod/assign/feedback/file/importziplib.php``,
``is_valid_filename_for_import``) as ``<full name>_<participant id>_<plugin type>_<plugin name>_<file>``:
the participant id must be one of the assignment's (the id in its "Download all submissions" zip) and
the plugin one of the assignment's plugins; the rest of the path is the feedback file's name. So each
student's pages go into the very folder their submission came in, as ``dlcourse collect`` recorded it in
``downloaded/<lab>/collect_report.csv`` (``Ada Lovelace_1001_assignsubmission_file_/<lab>.html``),
which is how Moodle's own documentation says to return feedback files. A student whose submission did
not come from a Moodle download (another ``--pattern``) has no participant id: left out and listed.
"""
from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

#: The folder of one student in Moodle's "Download all submissions" zip (Moodle 3.1 and later;
#: before 4.1 with a trailing underscore), or the prefix of a file name in the older flat layout.
MOODLE_FOLDER = re.compile(r"^(?P<folder>[^/]*?_(?P<participant>\d+)_assign[a-z]+_[a-z]+_?)(/|(?=[^/]))")


@dataclass
class FeedbackZip:
    path: Path | None
    included: dict[str, str] = field(default_factory=dict)   # student -> Moodle folder
    left_out: dict[str, str] = field(default_factory=dict)   # student -> why


def moodle_folders(root: Path, lab: str) -> dict[str, str]:
    """``{student: Moodle folder}`` of the files ``dlcourse collect`` imported for ``lab``."""
    report = Path(root) / "downloaded" / lab / "collect_report.csv"
    if not report.is_file():
        return {}
    folders = {}
    with open(report, newline="") as fh:
        for row in csv.DictReader(fh):
            if not row.get("outcome", "").startswith(("imported", "replaced")):
                continue
            found = MOODLE_FOLDER.match(row.get("file", ""))
            if found:
                folders[row["student"]] = found.group("folder")
    return folders


def write_feedback_zip(root: Path, lab: str, pages: dict[str, list[Path]]) -> FeedbackZip:
    """Zip ``pages`` (``{student: files of feedback/<student>/<lab>/}``) in Moodle's naming.

    Returns the zip (``path`` ``None`` when no student could be named) with who is in it and who not.
    """
    root = Path(root)
    folders = moodle_folders(root, lab)
    result = FeedbackZip(None)
    for student in sorted(pages):
        if student in folders:
            result.included[student] = folders[student]
        else:
            result.left_out[student] = ("no Moodle participant id (the submission was not collected from a Moodle "
                                        "\"Download all submissions\" zip)")
    if not result.included:
        return result
    path = root / "feedback" / f"{lab}_moodle_feedback.zip"
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for student, folder in result.included.items():
            base = root / "feedback" / student / lab
            for page in sorted(pages[student]):
                zf.write(page, f"{folder}/{page.relative_to(base).as_posix()}")
    tmp.replace(path)
    result.path = path
    return result


def write_lab_feedback_zip(root: Path, lab: str) -> FeedbackZip:
    """The zip of every feedback page of ``lab`` so far (``feedback/*/<lab>/``, with the files a page loads)."""
    root = Path(root)
    pages: dict[str, list[Path]] = {}
    for folder in sorted((root / "feedback").glob(f"*/{lab}")):
        if any(folder.glob("*.html")):
            pages[folder.parent.name] = sorted(p for p in folder.rglob("*") if p.is_file())
    return write_feedback_zip(root, lab, pages)
