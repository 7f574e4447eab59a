"""`dlcourse roster import` and `dlcourse collect`: every file of an LMS download ends up somewhere, with a reason."""
from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest

from autograder.cohort.collect import collect
from autograder.cohort.roster import RosterError, import_roster, read_roster
from autograder.course import scratch_course
from tests.scratch import released_course
from autograder.course.submissions import build_submission
from nbgrader.api import Gradebook

LAB = "lab01_neurons_losses"
NB = f"{LAB}.ipynb"

pytestmark = pytest.mark.xdist_group("bulk_collect")


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = released_course(tmp_path_factory.mktemp("course"), [LAB])  # the scratch course's own release/
    roster = _write_csv(root / "students.csv", [
        ["id", "first_name", "last_name", "email"],
        ["s001", "Ada", "Lovelace", "ada@uni.example"],
        ["s002", "Ben", "Okafor", "ben@uni.example"],
        ["s003", "Chloé", "Martin", "chloe@uni.example"],
        ["s004", "Dee", "Ng", "dee@uni.example"],
    ])
    assert import_roster(root, roster) == (4, 0)
    assert import_roster(root, roster) == (0, 4)  # a second import updates, adds nobody
    return root


def test_roster_is_in_the_gradebook(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        students = {s.id: s for s in gb.students}
    assert students["s003"].first_name == "Chloé" and students["s003"].email == "chloe@uni.example"


@pytest.mark.parametrize("rows, message", [
    ([["name", "email"], ["Ada", "a@x"]], "'id' column"),
    ([["id", "phone"], ["s1", "123"]], "unknown column"),
    ([["id"], ["s1"], ["s1"]], "repeats line 2"),
    ([["id"], ["bad id/with slash"]], "not a valid folder name"),
])
def test_bad_roster_files_are_refused_with_the_line(tmp_path, rows, message):
    with pytest.raises(RosterError, match=message):
        read_roster(_write_csv(tmp_path / "r.csv", rows))


def test_collect_imports_matches_and_keeps_everything_else_aside(course, tmp_path):
    release = course / "release" / LAB / NB
    nb_bytes = build_submission(release, tmp_path / "one.ipynb", {}).read_bytes()
    newer = nb_bytes.replace(b"YOUR CODE HERE", b"YOUR CODE HERE (v2)")
    archive = tmp_path / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        def add(name, data, when=(2026, 11, 20, 12, 0, 0)):
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
        add(f"Ada Lovelace_101_assignsubmission_file_/{NB}", nb_bytes)
        add(f"Chloe Martin_103_assignsubmission_file_{NB}", nb_bytes)           # accent-insensitive, flat
        add(f"Ben Okafor_102_assignsubmission_file_/{NB}", nb_bytes, (2026, 11, 19, 9, 0, 0))
        add(f"Ben Okafor_102_assignsubmission_file_/{NB[:-6]}_v2.ipynb", newer)  # another name
        add(f"Dee Ng_104_assignsubmission_file_/{NB}", nb_bytes, (2026, 11, 18, 9, 0, 0))
        add(f"Dee Ng_104_assignsubmission_file_/sub/{NB}", newer, (2026, 11, 21, 9, 0, 0))  # second file, newer
        add(f"Dee Ng_104_assignsubmission_file_/notes.pdf", b"%PDF-1.4")
        add(f"Eve Unknown_105_assignsubmission_file_/{NB}", nb_bytes)          # not on the roster
        add("README.txt", b"exported by Moodle")                                 # matches no pattern
    rows = collect(course, LAB, archive)
    by_file = {r.file: r for r in rows}
    assert len(rows) == 9, [r.file for r in rows]  # every file accounted for

    def outcome(name):
        return by_file[name].outcome

    for who, sid in (("Ada Lovelace_101", "s001"), ("Ben Okafor_102", "s002")):
        assert outcome(f"{who}_assignsubmission_file_/{NB}") == "imported"
        assert by_file[f"{who}_assignsubmission_file_/{NB}"].student == sid
    assert outcome(f"Chloe Martin_103_assignsubmission_file_{NB}") == "imported"
    assert "another name" in outcome(f"Ben Okafor_102_assignsubmission_file_/{NB[:-6]}_v2.ipynb")
    assert outcome(f"Dee Ng_104_assignsubmission_file_/sub/{NB}") == "imported"
    assert "second file" in outcome(f"Dee Ng_104_assignsubmission_file_/{NB}")
    assert "not a notebook" in outcome("Dee Ng_104_assignsubmission_file_/notes.pdf")
    assert "no student" in outcome(f"Eve Unknown_105_assignsubmission_file_/{NB}")
    assert "no file-name pattern" in outcome("README.txt")

    submitted = course / "submitted"
    assert sorted(p.name for p in submitted.iterdir()) == ["s001", "s002", "s003", "s004"]
    assert (submitted / "s004" / LAB / NB).read_bytes() == newer  # the newest of Dee's two
    assert (submitted / "s001" / LAB / "timestamp.txt").read_text().startswith("2026-11-20 12:00:00")
    aside = [r for r in rows if r.outcome.startswith("kept aside")]
    assert aside and all(Path(r.where).is_file() for r in aside)  # nothing dropped
    report = list(csv.DictReader(open(course / "downloaded" / LAB / "collect_report.csv")))
    assert len(report) == len(rows)


def test_collect_refuses_a_pattern_without_the_needed_groups(course, tmp_path):
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("x.ipynb", "{}")
    with pytest.raises(SystemExit, match="file_id"):
        collect(course, LAB, archive, pattern=r"(?P<student_id>\w+)")
    with pytest.raises(SystemExit, match="not a zip"):
        collect(course, LAB, _write_csv(tmp_path / "n.zip", [["x"]]))


def _moodle_reads(path: str, participants: dict[int, str], plugins: set[tuple[str, str]]) -> tuple[str, str] | None:
    """``(student, feedback file name)`` as Moodle's feedback-zip import reads a path of the zip, or ``None``
    (mod/assign/feedback/file/importziplib.php, is_valid_filename_for_import, written out here by hand:
    the first path part "<name>_<participant>_<plugin type>_<plugin name>[_<rest>]" with a participant
    of the assignment and one of its plugins names the student; the rest is the file's name)."""
    parts = path.split("/")
    while parts:
        info = parts.pop(0).split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or int(info[1]) not in participants:
            continue
        if (info[2], info[3]) not in plugins:
            continue
        return participants[int(info[1])], "/".join([info[4] if len(info) == 5 else ""] + parts)
    return None


def test_feedback_pages_zip_in_moodles_feedback_naming(course, tmp_path, capsys):
    from autograder.cli import _moodle_feedback_zip

    release = course / "release" / LAB / NB
    nb_bytes = build_submission(release, tmp_path / "one.ipynb", {}).read_bytes()
    archive = tmp_path / "moodle-resubmissions.zip"  # its own extraction folder
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(f"Ada Lovelace_101_assignsubmission_file_/{NB}", nb_bytes)   # Moodle 3.1 to 4.0
        zf.writestr(f"Ben Okafor_102_assignsubmission_file/{NB}", nb_bytes)      # Moodle 4.1 and later
        zf.writestr(f"Chloe Martin_103_assignsubmission_file_{NB}", nb_bytes)    # before 3.1: flat
    collect(course, LAB, archive, progress=False)
    for sid in ("s001", "s002", "s003", "s004"):  # s004 (Dee) was not in this download
        folder = course / "feedback" / sid / LAB
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{LAB}.html").write_text(f"<p>feedback of {sid}</p>")
    (course / "feedback" / "s001" / LAB / "mathjax").mkdir(exist_ok=True)
    (course / "feedback" / "s001" / LAB / "mathjax" / "tex-chtml.js").write_text("// what the page loads")
    _moodle_feedback_zip(course, LAB)
    out = capsys.readouterr().out
    path = course / "feedback" / f"{LAB}_moodle_feedback.zip"
    assert f"feedback/{LAB}_moodle_feedback.zip holds the pages of 3 student(s)" in out, out
    assert "not in the Moodle zip: s004: no Moodle participant id" in out, out
    participants = {101: "s001", 102: "s002", 103: "s003", 104: "s004"}
    with zipfile.ZipFile(path) as zf:
        read = {name: _moodle_reads(name, participants, {("assignsubmission", "file")}) for name in zf.namelist()}
        assert zf.read(f"Ada Lovelace_101_assignsubmission_file_/{LAB}.html") == b"<p>feedback of s001</p>"
    assert None not in read.values(), read
    assert sorted(read.values()) == [("s001", f"/{LAB}.html"), ("s001", "/mathjax/tex-chtml.js"),
                                     ("s002", f"/{LAB}.html"), ("s003", f"/{LAB}.html")]
