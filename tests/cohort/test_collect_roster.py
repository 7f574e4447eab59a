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


# --------------------------------------------------------------------------- hostile intake

def _zip_bytes(members: list[tuple[str, bytes, int]]) -> bytes:
    """A zip of ``(name, data, unix mode)`` members (mode 0o120777: a symbolic link to ``data``)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 20, 10, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def _bomb(mib: int) -> bytes:
    """A zip of one member of ``mib`` MiB of zeros (about 1000 times smaller than what it inflates to)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("big.bin", date_time=(2026, 11, 20, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as out:
            block = bytes(1 << 20)
            for _ in range(mib):
                out.write(block)
    return buf.getvalue()


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.lstat().st_mode for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def hostile(course, tmp_path_factory):
    """One Moodle zip where s001 (Ada) hands in plainly and every other student's upload attacks intake."""
    import secrets
    import stat

    work = tmp_path_factory.mktemp("hostile")
    token = secrets.token_hex(4)
    nb_bytes = build_submission(course / "release" / LAB / NB, work / "one.ipynb", {}).read_bytes()
    ada, ben, chloe, dee = ("Ada Lovelace_101", "Ben Okafor_102", "Chloe Martin_103", "Dee Ng_104")
    escape = "../" * 12 + f"tmp/dlcourse-escape-{token}.txt"
    archive = work / "moodle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        def add(name, data, when=(2026, 11, 20, 12, 0, 0), mode=0o100644):
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = mode << 16
            zf.writestr(info, data)
        add(f"{ada}_assignsubmission_file_/{NB}", nb_bytes)
        # Ben: his notebook inside a zip, beside a setuid binary and a setgid, world-writable script.
        add(f"{ben}_assignsubmission_file_/work.zip", _zip_bytes([
            (NB, nb_bytes, 0o100644), ("tool", b"\x7fELF", 0o104755), ("run.sh", b"#!/bin/sh\n", 0o102777)]))
        # Chloe: a zip bomb (1 MB or so, 256 MiB inside) and, earlier, her notebook.
        add(f"{chloe}_assignsubmission_file_/{NB}", nb_bytes, (2026, 11, 19, 9, 0, 0))
        add(f"{chloe}_assignsubmission_file_/bomb.zip", _bomb(256))
        # Dee: hostile nested archives (a path out of the folder, a link, a non-zip named .zip, a bad .gz)
        # after her real notebook.
        add(f"{dee}_assignsubmission_file_/{NB}", nb_bytes, (2026, 11, 18, 9, 0, 0))
        add(f"{dee}_assignsubmission_file_/escape.zip", _zip_bytes([(escape, b"escaped", 0o100644)]))
        add(f"{dee}_assignsubmission_file_/link.zip", _zip_bytes([("etc", b"/etc/passwd", 0o120777)]))
        add(f"{dee}_assignsubmission_file_/fake.zip", b"this is not a zip")
        add(f"{dee}_assignsubmission_file_/notes.ipynb.gz", b"\x1f\x8bnot gzip at all")
        # Names that are Rich markup, and LMS-level entries that try to leave the folder or link.
        add(f"{ada}_assignsubmission_file_/notes [red]x[/red] [/b].txt", b"markup")
        add(escape, b"escaped")
        add(f"{dee}_assignsubmission_file_/evil-link", b"/etc/shadow", mode=0o120777)
    outside_before = sorted(p.name for p in course.parent.iterdir())
    rows = collect(course, LAB, archive)
    return {"rows": rows, "token": token, "outside_before": outside_before, "nb": nb_bytes,
            "by_file": {r.file: r for r in rows}}


def test_hostile_uploads_are_set_aside_and_everyone_else_is_imported(course, hostile):
    rows = hostile["rows"]
    imported = {r.student for r in rows if r.outcome.startswith("imported")}
    assert imported == {"s001", "s002", "s003", "s004"}, [(r.file, r.outcome) for r in rows]
    for sid in ("s001", "s002", "s003", "s004"):
        assert (course / "submitted" / sid / LAB / NB).read_bytes() == hostile["nb"], sid

    def reason(fragment):
        hits = [r for r in rows if fragment in r.file]
        assert hits, fragment
        return " ".join(r.outcome for r in hits)

    assert "inflates" in reason("bomb.zip")
    assert "out of its folder" in reason("escape.zip")
    assert "symbolic link" in reason("link.zip")
    assert "not a zip file" in reason("fake.zip")
    assert "cannot be read as an archive" in reason("notes.ipynb.gz")
    assert "not a notebook" in reason("/tool") and "not a notebook" in reason("/run.sh")
    assert "symbolic link" in reason("evil-link")
    assert all(r.outcome.startswith(("imported", "kept aside")) for r in rows)


def test_nothing_extracted_has_mode_bits_links_or_a_path_outside_the_course(course, hostile):
    import stat

    for folder in (course / "downloaded" / LAB, course / "submitted"):
        for rel, mode in _modes(folder).items():
            assert not stat.S_ISLNK(mode), rel
            assert stat.S_IMODE(mode) in (0o644, 0o755), (rel, oct(mode))
            assert not mode & (stat.S_ISUID | stat.S_ISGID), rel
            assert stat.S_ISDIR(mode) or stat.S_IMODE(mode) == 0o644, rel
    token = hostile["token"]
    assert not Path(f"/tmp/dlcourse-escape-{token}.txt").exists()
    assert sorted(p.name for p in course.parent.iterdir()) == hostile["outside_before"]
    written = sum(p.stat().st_size for p in course.rglob("*") if p.is_file() and not p.is_symlink())
    assert written < 64 << 20, f"{written} bytes written: the zip bomb was extracted"


def test_timestamps_come_from_the_lms_entry_never_the_collection_time(course, hostile):
    assert (course / "submitted" / "s001" / LAB / "timestamp.txt").read_text().startswith("2026-11-20 12:00:00")
    # Ben's notebook came out of his zip: it takes the time of his upload, not of the zip's member.
    assert (course / "submitted" / "s002" / LAB / "timestamp.txt").read_text().startswith("2026-11-20 12:00:00")
    assert (course / "submitted" / "s004" / LAB / "timestamp.txt").read_text().startswith("2026-11-18 09:00:00")


def test_markup_in_file_names_prints_literally(course, hostile, tmp_path, capsys):
    from autograder.cohort.collect import run_collect

    archive = tmp_path / "m.zip"
    name = "Ada Lovelace_101_assignsubmission_file_/notes [red]x[/red] [/b] :smile:.txt"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 11, 20, 12, 0, 0)), b"markup")
    import os

    os.environ["COLUMNS"] = "300"
    try:
        assert run_collect(course, LAB, archive) == 0
    finally:
        del os.environ["COLUMNS"]
    out = capsys.readouterr().out
    assert "notes [red]x[/red] [/b] :smile:.txt" in out


def test_a_file_inside_a_students_archive_is_that_students_whatever_its_name(course, tmp_path):
    """Classroom naming: Ada's zip holds a notebook named like Ben's upload, newer than Ben's. It stays
    Ada's (a notebook under another name, set aside); Ben keeps his own upload and its time."""
    release = course / "release" / LAB / NB
    ben_real = build_submission(release, tmp_path / "ben.ipynb", {}).read_bytes()
    forged = ben_real.replace(b"YOUR CODE HERE", b"YOUR CODE HERE (forged by Ada)")
    archive = tmp_path / "classroom.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(zipfile.ZipInfo(f"Ben Okafor - {NB}", date_time=(2026, 11, 20, 8, 0, 0)), ben_real)
        zf.writestr(zipfile.ZipInfo("Ada Lovelace - work.zip", date_time=(2026, 11, 21, 23, 0, 0)),
                    _zip_bytes([(f"Ben Okafor - {NB}", forged, 0o100644)]))
    rows = collect(course, LAB, archive, pattern="classroom")
    by_file = {r.file: r for r in rows}
    inner = by_file[f"Ada Lovelace - work.zip/Ben Okafor - {NB}"]
    assert inner.student == "s001" and "another name" in inner.outcome
    assert by_file[f"Ben Okafor - {NB}"].outcome.startswith("imported")
    assert (course / "submitted" / "s002" / LAB / NB).read_bytes() == ben_real
    assert (course / "submitted" / "s002" / LAB / "timestamp.txt").read_text().startswith("2026-11-20 08:00:00")


def test_intake_limits_are_nbgrader_configuration(course, tmp_path):
    """The limits are traitlets of SafeExtractorPlugin (nbgrader_config.py); a lower one sets a plain upload aside."""
    from traitlets.config import Config

    from autograder.cohort.intake import SafeExtractorPlugin
    from autograder.cohort.pipeline import load_config

    config = load_config(course)
    assert config.ZipCollectApp.extractor_plugin is SafeExtractorPlugin
    assert SafeExtractorPlugin(config=config).limits().upload_bytes == 64 << 20
    low = Config(config)
    low.SafeExtractorPlugin.upload_max_mib = 0.001
    assert SafeExtractorPlugin(config=low).limits().upload_bytes == 1048
